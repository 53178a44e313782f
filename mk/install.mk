# install.mk: make install / make uninstall (included by the Makefile).
#
#   make && make install [PREFIX=/usr] [DESTDIR=/tmp/stage] [BUILD=build]
#
# Installs what make built in $(BUILD) (install never builds: build as
# yourself, install as root; BUILD names another build folder): the
# daemon and the officers' tool in $(SBINDIR), the auditors' tool in
# $(BINDIR), a man page for each, the example configuration (never a
# mycertd.conf: an existing one is never touched), the provisioning
# scripts (they find the installed mycert-admin) and the systemd unit,
# its paths those of this install.  make uninstall removes exactly that.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
# mycertd reads /etc/mycert/mycertd.conf by default and the unit's
# ConfigurationDirectory is there: /etc whatever the prefix.
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SHAREDIR := $(DATADIR)/mycert

INSTALL ?= install
MAN8 := mycertd.8 mycert-admin.8
MAN1 := mycert-audit.1
PROVISIONING := $(wildcard provisioning/*.sh)

.PHONY: install uninstall install-check

install-check:
	@for b in mycertd mycert-admin mycert-audit; do \
		[ -x "$(BUILD)/$$b" ] || { \
			echo "install: $(BUILD)/$$b is missing: run 'make'" \
			     "first (make install does not build)" >&2; \
			exit 1; }; \
	done

install: install-check
	$(INSTALL) -d -m 0755 "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(BINDIR)" \
		"$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(MANDIR)/man1" \
		"$(DESTDIR)$(SYSCONFDIR)/mycert" "$(DESTDIR)$(SYSTEMDUNITDIR)" \
		"$(DESTDIR)$(SHAREDIR)/provisioning" \
		"$(DESTDIR)$(SHAREDIR)/hsm-config"
	$(INSTALL) -m 0755 "$(BUILD)/mycertd" "$(BUILD)/mycert-admin" \
		"$(DESTDIR)$(SBINDIR)/"
	$(INSTALL) -m 0755 "$(BUILD)/mycert-audit" "$(DESTDIR)$(BINDIR)/"
	$(INSTALL) -m 0644 $(MAN8:%=man/%) "$(DESTDIR)$(MANDIR)/man8/"
	$(INSTALL) -m 0644 $(MAN1:%=man/%) "$(DESTDIR)$(MANDIR)/man1/"
	$(INSTALL) -m 0644 hsm-config/mycertd.conf.example \
		"$(DESTDIR)$(SYSCONFDIR)/mycert/mycertd.conf.example"
	$(INSTALL) -m 0644 hsm-config/softhsm2.conf.in \
		"$(DESTDIR)$(SHAREDIR)/hsm-config/"
	$(INSTALL) -m 0755 $(PROVISIONING) "$(DESTDIR)$(SHAREDIR)/provisioning/"
	$(INSTALL) -m 0644 provisioning/README.md \
		"$(DESTDIR)$(SHAREDIR)/provisioning/"
	@# The installed scripts use the installed mycert-admin.
	sed 's|^INSTALLED_ADMIN=$$|INSTALLED_ADMIN=$(SBINDIR)/mycert-admin|' \
		provisioning/lib.sh >"$(DESTDIR)$(SHAREDIR)/provisioning/lib.sh"
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		deploy/systemd/mycertd.service.in \
		>"$(DESTDIR)$(SYSTEMDUNITDIR)/mycertd.service"
	chmod 0644 "$(DESTDIR)$(SYSTEMDUNITDIR)/mycertd.service" \
		"$(DESTDIR)$(SHAREDIR)/provisioning/lib.sh"
	@echo "install: done; next: mycertd(8) (account, configuration, unit)"

uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/mycertd" "$(DESTDIR)$(SBINDIR)/mycert-admin" \
		"$(DESTDIR)$(BINDIR)/mycert-audit" \
		$(MAN8:%="$(DESTDIR)$(MANDIR)/man8/%") \
		$(MAN1:%="$(DESTDIR)$(MANDIR)/man1/%") \
		"$(DESTDIR)$(SYSCONFDIR)/mycert/mycertd.conf.example" \
		"$(DESTDIR)$(SYSTEMDUNITDIR)/mycertd.service"
	rm -rf "$(DESTDIR)$(SHAREDIR)"
	@# The configuration folder stays when it holds anything else (the
	@# real mycertd.conf, the PIN file).
	-rmdir "$(DESTDIR)$(SYSCONFDIR)/mycert" 2>/dev/null
