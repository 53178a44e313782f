/*
 * audit_verify.c: verification of an export of the audit log, the engine
 * of mycert-audit verify (see audit_verify.h and docs/AUDIT.md).
 *
 * Runs on the auditor's machine, with no token and no database.  The
 * export is untrusted input: each line is read into a bounded buffer,
 * split at TABs, decoded strictly (one encoding per value, audit.h), and
 * every finding names its line.  The entries' leaves are recomputed from
 * their bytes, the roots from the leaves in file order (merkle.h), and
 * the checkpoint signatures checked with the audit certificate's key.
 */
#include "audit_verify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "audit.h"
#include "merkle.h"

#define LINE_MAX_BYTES 65536	/* longer lines are malformed */
#define MAX_SHOWN 200		/* findings printed; the rest counted */
#define SIGNATURE_MAX 1024	/* bytes; ECDSA P-256 DER is about 72 */
#define SHOWN_MAX 60		/* bytes of untrusted text in a finding */
#define SHOWN_SIZE (3 * SHOWN_MAX + 1)

/* ---- reading an export ------------------------------------------------- */

struct ventry {
	long line;
	long long seq;			/* 0 when unreadable */
	unsigned char leaf[MERKLE_HASH_SIZE];	/* recomputed */
	unsigned char recorded[MERKLE_HASH_SIZE];
	int has_recorded;
};

struct vcheckpoint {
	long line;
	long long size;
	unsigned char root[MERKLE_HASH_SIZE];
	long long ts_ms;
	char *appliance_id;		/* decoded */
	unsigned char *sig;
	size_t sig_len;
	int usable;			/* parsed completely */
	int sig_ok;
	int root_ok;
};

struct export_file {
	FILE *in;			/* the export, read once */
	const char *path;		/* its name in findings */
	const char *label;		/* "" or "old export " */
	char *appliance_id;		/* from the header; NULL when none */
	long long header_entries, header_checkpoints;	/* -1: unknown */
	struct ventry *e;
	size_t n, cap;
	struct vcheckpoint *c;
	size_t nc, ccap;
};

/* Findings, counted by kind; the first MAX_SHOWN are printed. */
enum kind {
	K_MALFORMED,
	K_EDITED,
	K_REMOVED,
	K_REORDERED,
	K_DUPLICATED,
	K_TRUNCATED,
	K_MISMATCH,
	K_SIGNATURE,
	K_UNSIGNED,
	K_REWRITTEN,
	K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	[K_MALFORMED] = "malformed line",
	[K_EDITED] = "edited entry",
	[K_REMOVED] = "removed entry",
	[K_REORDERED] = "reordered entries",
	[K_DUPLICATED] = "duplicated entry",
	[K_TRUNCATED] = "truncated tail",
	[K_MISMATCH] = "checkpoint mismatch",
	[K_SIGNATURE] = "bad signature",
	[K_UNSIGNED] = "nothing signed",
	[K_REWRITTEN] = "history rewritten",
};

struct report {
	FILE *out;			/* where findings go */
	long counts[K_COUNT];
	long shown;
};

static void
problem(struct report *r, const struct export_file *x, long line,
	enum kind k, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
problem(struct report *r, const struct export_file *x, long line,
	enum kind k, const char *fmt, ...)
{
	va_list ap;

	r->counts[k]++;
	if (r->shown++ >= MAX_SHOWN) {
		return;
	}
	if (line > 0) {
		fprintf(r->out, "%s%s line %ld: %s: ", x->label, x->path,
			line, kind_names[k]);
	} else {
		fprintf(r->out, "%s%s: %s: ", x->label, x->path,
			kind_names[k]);
	}
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
}

static void
notice(const struct report *r, const struct export_file *x,
       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
notice(const struct report *r, const struct export_file *x,
       const char *fmt, ...)
{
	va_list ap;

	fprintf(r->out, "%s%s: note: ", x->label, x->path);
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
}

/* Untrusted text for the report: at most max bytes of it (max <=
 * SHOWN_MAX), each byte outside printable ASCII, '%' and '\\'
 * percent-encoded as in the export.  The auditor reads the report in a
 * terminal: no byte of an export may forge a line of it ("verified")
 * or send the terminal a control sequence. */
static const char *
shown(const char *text, size_t max, char out[SHOWN_SIZE])
{
	char cut[SHOWN_MAX + 1];
	size_t n = strnlen(text, max < SHOWN_MAX ? max : SHOWN_MAX);

	memcpy(cut, text, n);
	cut[n] = '\0';
	if (audit_encode(cut, out, SHOWN_SIZE) == (size_t)-1) {
		strcpy(out, "?");	/* cannot happen: 3 bytes per byte */
	}
	return out;
}

/* Splits line at TABs into at most max fields (in place). */
static size_t
split(char *line, char **fields, size_t max)
{
	size_t n = 0;

	fields[n++] = line;
	for (; *line != '\0'; line++) {
		if (*line == '\t') {
			*line = '\0';
			if (n == max) {
				return max + 1;
			}
			fields[n++] = line + 1;
		}
	}
	return n;
}

/* A decimal count: digits, no leading zero, at most 18 digits. */
static int
parse_count(const char *text, long long *out)
{
	size_t i, n = strlen(text);

	if (n == 0 || n > 18 || (text[0] == '0' && n > 1)) {
		return -1;
	}
	*out = 0;
	for (i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9') {
			return -1;
		}
		*out = *out * 10 + (text[i] - '0');
	}
	return 0;
}

/* Checks that text is canonically encoded; *raw (malloc'd) gets the
 * decoded value when raw is not NULL. */
static int
decode_field(const char *text, char **raw)
{
	size_t n = strlen(text);
	char *out = malloc(n + 1);

	if (out == NULL || audit_decode(text, n, out, n + 1) == (size_t)-1) {
		free(out);
		return -1;
	}
	if (raw != NULL) {
		*raw = out;
	} else {
		free(out);
	}
	return 0;
}

static int
grow(void **array, size_t *cap, size_t n, size_t item)
{
	void *p;
	size_t want;

	if (n < *cap) {
		return 0;
	}
	want = *cap == 0 ? 1024 : 2 * *cap;
	p = realloc(*array, want * item);
	if (p == NULL) {
		return -1;
	}
	*array = p;
	*cap = want;
	return 0;
}

static int
read_header(struct export_file *x, struct report *r, char *line)
{
	char *f[7], text[SHOWN_SIZE];
	size_t n = split(line, f, 6);

	if (n != 6 || strcmp(f[0], AUDIT_EXPORT_MAGIC) != 0) {
		problem(r, x, 1, K_MALFORMED, "not an export of mycert-audit "
			"(the first line must be its header)");
		return -1;
	}
	if (strcmp(f[1], "1") != 0) {
		problem(r, x, 1, K_MALFORMED, "format version %s is not "
			"one this mycert-audit reads (1)",
			shown(f[1], 20, text));
		return -1;
	}
	if (decode_field(f[2], &x->appliance_id) != 0 ||
	    parse_count(f[3], &x->header_entries) != 0 ||
	    parse_count(f[4], &x->header_checkpoints) != 0) {
		problem(r, x, 1, K_MALFORMED, "the header's appliance id or "
			"counts are not readable");
		x->header_entries = x->header_checkpoints = -1;
	}
	return 0;
}

static int
read_entry(struct export_file *x, struct report *r, long lineno, char *line,
	   size_t len, struct err *e)
{
	struct ventry *v = &x->e[x->n++];
	char *f[11], *last_tab = strrchr(line, '\t'), text[SHOWN_SIZE];
	long long ts;
	size_t n, i;

	memset(v, 0, sizeof(*v));
	v->line = lineno;
	/* The leaf covers the line up to its last TAB: the recorded leaf
	 * is not part of what it hashes. */
	if (merkle_leaf_hash(line, last_tab != NULL ? (size_t)(last_tab - line)
						    : len, v->leaf, e) != 0) {
		return -1;
	}
	n = split(line, f, 10);
	if (n != 10) {
		problem(r, x, lineno, K_MALFORMED, "an entry has 10 fields "
			"separated by TABs, this line has %s%zu",
			n > 10 ? "more than " : "", n > 10 ? (size_t)10 : n);
		return 0;
	}
	if (parse_count(f[1], &v->seq) != 0 || v->seq == 0) {
		v->seq = 0;
		problem(r, x, lineno, K_MALFORMED, "the entry's seq \"%s\" "
			"is not a number from 1", shown(f[1], 24, text));
	}
	if (audit_parse_time(f[2], &ts) != 0) {
		problem(r, x, lineno, K_MALFORMED, "entry seq %lld: the time "
			"\"%s\" is not of the form 2026-01-15T10:20:30.123Z",
			v->seq, shown(f[2], 30, text));
	}
	for (i = 3; i <= 8; i++) {
		if (decode_field(f[i], NULL) != 0) {
			problem(r, x, lineno, K_MALFORMED, "entry seq %lld: "
				"field %zu is not percent-encoded as the "
				"format says", v->seq, i + 1);
			break;
		}
	}
	if (strcmp(f[9], "-") != 0) {
		if (merkle_parse_hex(f[9], v->recorded) != 0) {
			problem(r, x, lineno, K_MALFORMED, "entry seq %lld: "
				"the recorded leaf is not 64 lowercase hex "
				"digits", v->seq);
		} else {
			v->has_recorded = 1;
		}
	}
	return 0;
}

/* Strict base64 (as EVP_EncodeBlock writes it); *out malloc'd. */
static int
decode_base64(const char *text, unsigned char **out, size_t *len)
{
	size_t n = strlen(text), pad = 0;
	unsigned char *buf = NULL, *back = NULL;
	int got, ok;

	*out = NULL;
	if (n == 0 || n % 4 != 0 || n > 4 * (SIGNATURE_MAX / 3 + 1)) {
		return -1;
	}
	pad = (text[n - 1] == '=') + (text[n - 2] == '=');
	buf = malloc(n / 4 * 3 + 1);
	back = malloc(n + 1);
	got = buf == NULL || back == NULL ? -1
		: EVP_DecodeBlock(buf, (const unsigned char *)text, (int)n);
	/* Only the form EVP_EncodeBlock writes back is accepted. */
	ok = got >= (int)pad && got - (int)pad > 0 &&
	     EVP_EncodeBlock(back, buf, got - (int)pad) == (int)n &&
	     memcmp(back, text, n) == 0;
	free(back);
	if (!ok) {
		free(buf);
		ERR_clear_error();
		return -1;
	}
	*out = buf;
	*len = (size_t)got - pad;
	return 0;
}

static void
read_checkpoint(struct export_file *x, struct report *r, long lineno,
		char *line)
{
	struct vcheckpoint *c = &x->c[x->nc++];
	char *f[7];
	size_t n = split(line, f, 6);

	memset(c, 0, sizeof(*c));
	c->line = lineno;
	if (n != 6) {
		problem(r, x, lineno, K_MALFORMED, "a checkpoint has 6 fields "
			"separated by TABs, this line has %s%zu",
			n > 6 ? "more than " : "", n > 6 ? (size_t)6 : n);
		return;
	}
	if (parse_count(f[1], &c->size) != 0 || c->size == 0 ||
	    merkle_parse_hex(f[2], c->root) != 0 ||
	    audit_parse_time(f[3], &c->ts_ms) != 0 ||
	    decode_field(f[4], &c->appliance_id) != 0 ||
	    decode_base64(f[5], &c->sig, &c->sig_len) != 0) {
		problem(r, x, lineno, K_MALFORMED, "the checkpoint's size, "
			"root, time, appliance id or signature is not in the "
			"form the format says");
		return;
	}
	c->usable = 1;
}

/* Reads one line (without its newline) into line, which holds
 * LINE_MAX_BYTES + 1 bytes: 0 at the end of the file, -1 on error, 1
 * otherwise.  *whole is 0 when the file ends inside the line;
 * *too_long is 1 when it was longer than LINE_MAX_BYTES (the rest is
 * skipped), so that memory stays bounded whatever the file holds.  *len
 * counts NUL bytes too. */
static int
next_line(FILE *f, char *line, size_t *len, int *whole, int *too_long)
{
	int c = EOF;

	*len = 0;
	*whole = 0;
	*too_long = 0;
	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (*len < LINE_MAX_BYTES) {
			line[*len] = (char)c;
		}
		(*len)++;
	}
	if (ferror(f)) {
		return -1;
	}
	if (c == EOF && *len == 0) {
		return 0;
	}
	*whole = c == '\n';
	*too_long = *len > LINE_MAX_BYTES;
	*len = *too_long ? LINE_MAX_BYTES : *len;
	line[*len] = '\0';
	return 1;
}

static int
read_line(struct export_file *x, struct report *r, long lineno, char *line,
	  size_t len, struct err *e)
{
	if (strlen(line) != len || memchr(line, '\r', len) != NULL) {
		problem(r, x, lineno, K_MALFORMED, "a NUL byte or a carriage "
			"return (was the file converted?)");
		return 0;
	}
	if (strncmp(line, "entry\t", 6) == 0) {
		if (x->nc > 0) {
			problem(r, x, lineno, K_MALFORMED, "an entry after "
				"the checkpoints (entries come first)");
		}
		if (grow((void **)&x->e, &x->cap, x->n, sizeof(*x->e)) != 0) {
			return err_set(e, ERR_INTERNAL, "out of memory");
		}
		return read_entry(x, r, lineno, line, len, e);
	}
	if (strncmp(line, "checkpoint\t", 11) == 0) {
		if (grow((void **)&x->c, &x->ccap, x->nc, sizeof(*x->c)) != 0) {
			return err_set(e, ERR_INTERNAL, "out of memory");
		}
		read_checkpoint(x, r, lineno, line);
		return 0;
	}
	problem(r, x, lineno, K_MALFORMED, "neither an entry nor a "
		"checkpoint line");
	return 0;
}

static int
read_export(struct export_file *x, struct report *r, struct err *e)
{
	FILE *f = x->in;
	char *line = malloc(LINE_MAX_BYTES + 1);
	size_t len = 0;
	long lineno = 0;
	int got = 0, whole = 0, too_long = 0, rc = 0;

	x->header_entries = x->header_checkpoints = -1;
	if (line == NULL) {
		rc = err_set(e, ERR_INTERNAL, "out of memory reading %s",
			     x->path);
		goto out;
	}
	while (rc == 0 &&
	       (got = next_line(f, line, &len, &whole, &too_long)) > 0) {
		lineno++;
		if (too_long) {
			problem(r, x, lineno, K_MALFORMED, "longer than %d "
				"bytes", LINE_MAX_BYTES);
			continue;
		}
		if (!whole) {
			problem(r, x, lineno, K_TRUNCATED, "the file ends "
				"inside this line: it was cut");
			continue;
		}
		if (lineno == 1) {
			if (read_header(x, r, line) != 0) {
				break;
			}
			continue;
		}
		rc = read_line(x, r, lineno, line, len, e);
	}
	if (rc == 0 && got < 0) {
		rc = err_set(e, ERR_IO, "cannot read %s: %s", x->path,
			     strerror(errno));
	}
	if (rc == 0 && lineno == 0) {
		problem(r, x, 0, K_MALFORMED, "the file is empty");
	}
out:
	free(line);
	return rc;
}

static void
export_file_free(struct export_file *x)
{
	size_t i;

	for (i = 0; i < x->nc; i++) {
		free(x->c[i].appliance_id);
		free(x->c[i].sig);
	}
	free(x->c);
	free(x->e);
	free(x->appliance_id);
}

/* ---- what the export proves ---------------------------------------------- */

/* Roots of the tree of x's leaves (in file order) at chosen sizes. */
struct roots {
	long long *size;		/* ascending, distinct */
	unsigned char (*root)[MERKLE_HASH_SIZE];
	size_t n;
};

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Adds the checkpoint sizes of x to the set in r (not sorted yet). */
static int
roots_want(struct roots *r, const struct export_file *x)
{
	long long *p;
	size_t i;

	p = realloc(r->size, (r->n + x->nc + 1) * sizeof(*p));
	if (p == NULL) {
		return -1;
	}
	r->size = p;
	for (i = 0; i < x->nc; i++) {
		if (x->c[i].usable) {
			r->size[r->n++] = x->c[i].size;
		}
	}
	return 0;
}

/* Computes the wanted roots over x; sizes beyond x's entries stay
 * unknown (roots_find then fails). */
static int
roots_compute(struct roots *r, const struct export_file *x, struct err *e)
{
	struct merkle_tree t;
	size_t i, j = 0, k = 0;

	qsort(r->size, r->n, sizeof(*r->size), cmp_ll);
	for (i = 0; i < r->n; i++) {	/* distinct */
		if (k == 0 || r->size[i] != r->size[k - 1]) {
			r->size[k++] = r->size[i];
		}
	}
	r->n = k;
	r->root = calloc(r->n + 1, sizeof(*r->root));
	if (r->root == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	merkle_init(&t);
	for (i = 0; i < x->n && j < r->n; i++) {
		if (merkle_append(&t, x->e[i].leaf, e) != 0) {
			return -1;
		}
		while (j < r->n && r->size[j] == (long long)t.size) {
			if (merkle_root(&t, r->root[j++], e) != 0) {
				return -1;
			}
		}
	}
	return 0;
}

static const unsigned char *
roots_find(const struct roots *r, const struct export_file *x,
	   long long size)
{
	long long *p;

	if (size > (long long)x->n) {
		return NULL;
	}
	p = bsearch(&size, r->size, r->n, sizeof(*r->size), cmp_ll);
	return p == NULL ? NULL : r->root[p - r->size];
}

static void
roots_free(struct roots *r)
{
	free(r->size);
	free(r->root);
}

static long long
largest_seq(const struct export_file *x)
{
	long long high = 0;
	size_t i;

	for (i = 0; i < x->n; i++) {
		high = x->e[i].seq > high ? x->e[i].seq : high;
	}
	return high;
}

/* The header's counts against the lines.  Fewer entries than announced
 * is a cut tail when the last seq is below the count; otherwise the
 * missing ones are in the middle, which check_gaps names. */
static void
check_counts(const struct export_file *x, struct report *r)
{
	long long high = largest_seq(x);

	if (x->header_entries >= 0 && high < x->header_entries) {
		problem(r, x, 1, K_TRUNCATED, "the header announces %lld "
			"entries, the file holds %zu and ends at seq %lld: "
			"entries were cut from the end", x->header_entries,
			x->n, high);
	} else if (x->header_entries >= 0 &&
		   (long long)x->n > x->header_entries) {
		problem(r, x, 1, K_MALFORMED, "the header announces %lld "
			"entries, the file holds %zu: entries were added",
			x->header_entries, x->n);
	}
	if (x->header_checkpoints >= 0 &&
	    (long long)x->nc < x->header_checkpoints) {
		problem(r, x, 1, K_TRUNCATED, "the header announces %lld "
			"checkpoints, the file holds %zu: checkpoints were "
			"removed or the file was cut", x->header_checkpoints,
			x->nc);
	} else if (x->header_checkpoints >= 0 &&
		   (long long)x->nc > x->header_checkpoints) {
		problem(r, x, 1, K_MALFORMED, "the header announces %lld "
			"checkpoints, the file holds %zu: checkpoints were "
			"added", x->header_checkpoints, x->nc);
	}
}

/* Entries in file order must have seq 1, 2, 3...: a lower seq after a
 * higher one is out of order (an adjacent pair is named as such). */
static void
check_order(const struct export_file *x, struct report *r)
{
	long long high = 0;
	size_t i, at = 0;

	for (i = 0; i < x->n; i++) {
		const struct ventry *v = &x->e[i];

		if (v->seq == 0) {
			continue;
		}
		if (v->seq < high && at + 1 == i &&
		    x->e[at].seq == v->seq + 1) {
			problem(r, x, v->line, K_REORDERED, "entries seq %lld "
				"(line %ld) and seq %lld (line %ld) are in "
				"reverse order", x->e[at].seq, x->e[at].line,
				v->seq, v->line);
		} else if (v->seq < high) {
			problem(r, x, v->line, K_REORDERED, "entry seq %lld "
				"comes after seq %lld (line %ld): out of order",
				v->seq, high, x->e[at].line);
		}
		if (v->seq > high) {
			high = v->seq;
			at = i;
		}
	}
}

struct seq_line {
	long long seq;
	long line;
};

static int
cmp_seq_line(const void *a, const void *b)
{
	const struct seq_line *x = a, *y = b;

	if (x->seq != y->seq) {
		return (x->seq > y->seq) - (x->seq < y->seq);
	}
	return (x->line > y->line) - (x->line < y->line);
}

/* Every seq from 1 to the largest appears once. */
static int
check_gaps(const struct export_file *x, struct report *r, struct err *e)
{
	struct seq_line *s = calloc(x->n + 1, sizeof(*s));
	size_t i, n = 0;

	if (s == NULL) {
		return err_set(e, ERR_INTERNAL, "out of memory");
	}
	for (i = 0; i < x->n; i++) {
		if (x->e[i].seq > 0) {
			s[n].seq = x->e[i].seq;
			s[n++].line = x->e[i].line;
		}
	}
	qsort(s, n, sizeof(*s), cmp_seq_line);
	if (n > 0 && s[0].seq > 1) {
		problem(r, x, s[0].line, K_REMOVED, "entries seq 1 to %lld "
			"are missing: the first entry is seq %lld",
			s[0].seq - 1, s[0].seq);
	}
	for (i = 1; i < n; i++) {
		if (s[i].seq == s[i - 1].seq) {
			problem(r, x, s[i].line, K_DUPLICATED, "entry seq %lld "
				"appears again (first at line %ld)", s[i].seq,
				s[i - 1].line);
		} else if (s[i].seq == s[i - 1].seq + 2) {
			problem(r, x, s[i].line, K_REMOVED, "entry seq %lld is "
				"missing: seq %lld (line %ld) is followed by "
				"seq %lld", s[i].seq - 1, s[i - 1].seq,
				s[i - 1].line, s[i].seq);
		} else if (s[i].seq > s[i - 1].seq + 2) {
			problem(r, x, s[i].line, K_REMOVED, "entries seq %lld "
				"to %lld are missing: seq %lld (line %ld) is "
				"followed by seq %lld", s[i - 1].seq + 1,
				s[i].seq - 1, s[i - 1].seq, s[i - 1].line,
				s[i].seq);
		}
	}
	free(s);
	return 0;
}

/* Each entry still gives the leaf recorded when it was appended. */
static void
check_leaves(const struct export_file *x, struct report *r)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		const struct ventry *v = &x->e[i];
		char got[MERKLE_HEX_SIZE];

		if (v->has_recorded &&
		    memcmp(v->leaf, v->recorded, MERKLE_HASH_SIZE) != 0) {
			merkle_hex(v->leaf, got);
			problem(r, x, v->line, K_EDITED, "entry seq %lld was "
				"edited: its fields give the leaf %.16s..., "
				"not the leaf recorded when it was appended",
				v->seq, got);
		}
	}
}

/* The first entry of positions [from, to) (1-based positions) whose
 * recorded leaf differs, or NULL. */
static const struct ventry *
edited_in(const struct export_file *x, long long from, long long to)
{
	long long i;

	for (i = from; i <= to && i <= (long long)x->n; i++) {
		const struct ventry *v = &x->e[i - 1];

		if (v->has_recorded &&
		    memcmp(v->leaf, v->recorded, MERKLE_HASH_SIZE) != 0) {
			return v;
		}
	}
	return NULL;
}

static void
report_mismatch(const struct export_file *x, struct report *r,
		const struct vcheckpoint *c, const unsigned char *root,
		long long good)
{
	const struct ventry *v = NULL;
	char when[AUDIT_TIME_SIZE], got[MERKLE_HEX_SIZE], first[80] = "";

	if (good >= c->size) {
		good = 0;
	}
	v = edited_in(x, good + 1, c->size);
	if (v != NULL) {
		snprintf(first, sizeof(first), " (first edited: seq %lld, line "
			 "%ld)", v->seq, v->line);
	}
	audit_format_time(c->ts_ms, when);
	merkle_hex(root, got);
	problem(r, x, c->line, K_MISMATCH, "the checkpoint of size %lld "
		"signed %s does not match the entries (they give root "
		"%.16s...): an entry among the %lld it covers after the last "
		"good checkpoint, seq %lld to %lld (lines %ld to %ld), was "
		"edited, removed, inserted or moved%s", c->size, when, got,
		c->size - good, good + 1, c->size, x->e[good].line,
		x->e[c->size - 1].line, first);
}

static int
outside_validity(X509 *cert, long long ts_ms)
{
	time_t t = (time_t)(ts_ms / 1000);

	return X509_cmp_time(X509_get0_notBefore(cert), &t) > 0 ||
	       X509_cmp_time(X509_get0_notAfter(cert), &t) < 0;
}

/* The signature of c, with the audit certificate's key. */
static void
check_signature(const struct export_file *x, struct report *r,
		struct vcheckpoint *c, EVP_PKEY *pub, X509 *cert)
{
	struct audit_checkpoint ac = {
		.tree_size = c->size, .ts_ms = c->ts_ms,
		.appliance_id = c->appliance_id, .signature = c->sig,
		.signature_len = c->sig_len,
	};
	struct err e2 = { 0 };
	char ours[SHOWN_SIZE], theirs[SHOWN_SIZE];

	memcpy(ac.root, c->root, MERKLE_HASH_SIZE);
	c->sig_ok = audit_checkpoint_verify(pub, &ac, &e2) == 0;
	if (!c->sig_ok) {
		problem(r, x, c->line, K_SIGNATURE, "the checkpoint of size "
			"%lld: its signature does not verify with the audit "
			"certificate: it was made with another key, or the "
			"checkpoint was altered", c->size);
	} else if (outside_validity(cert, c->ts_ms)) {
		notice(r, x, "line %ld: the checkpoint of size %lld is dated "
		       "outside the audit certificate's validity", c->line,
		       c->size);
	}
	if (x->appliance_id != NULL && c->appliance_id != NULL &&
	    strcmp(x->appliance_id, c->appliance_id) != 0) {
		notice(r, x, "line %ld: the checkpoint names appliance \"%s\", "
		       "the header \"%s\"", c->line,
		       shown(c->appliance_id, SHOWN_MAX, theirs),
		       shown(x->appliance_id, SHOWN_MAX, ours));
	}
}

/* The root of c against the entries; good is the size of the last
 * checkpoint that held, high the largest seq. */
static void
check_root(const struct export_file *x, struct report *r,
	   const struct roots *roots, struct vcheckpoint *c, long long good,
	   long long high)
{
	const unsigned char *root = roots_find(roots, x, c->size);

	if (root == NULL && c->size > high) {
		problem(r, x, c->line, K_TRUNCATED, "the checkpoint of size "
			"%lld covers more entries than the export holds (%zu, "
			"up to seq %lld): entries were cut from the end",
			c->size, x->n, high);
	} else if (root == NULL) {
		problem(r, x, c->line, K_MISMATCH, "the checkpoint of size "
			"%lld covers more entries than the export holds (%zu): "
			"entries it covers were removed", c->size, x->n);
	} else {
		c->root_ok = memcmp(root, c->root, MERKLE_HASH_SIZE) == 0;
		if (!c->root_ok) {
			report_mismatch(x, r, c, root, good);
		}
	}
}

/* Signatures, roots and sizes of the checkpoints; *last_good gets the
 * size of the last checkpoint that holds. */
static void
check_checkpoints(const struct export_file *x, struct report *r,
		  const struct roots *roots, EVP_PKEY *pub, X509 *cert,
		  long long *last_good)
{
	long long good = 0, prev = 0, high = largest_seq(x);
	size_t i;

	for (i = 0; i < x->nc; i++) {
		struct vcheckpoint *c = &x->c[i];

		if (!c->usable) {
			continue;
		}
		if (c->size <= prev) {
			problem(r, x, c->line, K_MALFORMED, "checkpoint sizes "
				"must grow: %lld after %lld", c->size, prev);
		}
		prev = c->size > prev ? c->size : prev;
		check_signature(x, r, c, pub, cert);
		check_root(x, r, roots, c, good, high);
		if (c->root_ok && c->sig_ok && c->size > good) {
			good = c->size;
		}
	}
	*last_good = good;
}

static int
analyse(struct export_file *x, struct report *r, const struct roots *roots,
	EVP_PKEY *pub, X509 *cert, long long *last_good, struct err *e)
{
	check_counts(x, r);
	check_order(x, r);
	if (check_gaps(x, r, e) != 0) {
		return -1;
	}
	check_leaves(x, r);
	check_checkpoints(x, r, roots, pub, cert, last_good);
	if (x->n > 0 && x->nc == 0) {
		problem(r, x, 0, K_UNSIGNED, "the export holds no checkpoint: "
			"nothing in it is signed");
	}
	return 0;
}

/* --since: the old export is a prefix of the new one, and each old
 * checkpoint's root is that of the new export's first entries. */
static void
check_extends(const struct export_file *old, const struct export_file *x,
	      const struct roots *roots, struct report *r)
{
	size_t i, n = old->n < x->n ? old->n : x->n;

	if (old->n > x->n) {
		problem(r, x, 0, K_REWRITTEN, "it holds %zu entries, fewer "
			"than the %zu of %s: entries were removed since",
			x->n, old->n, old->path);
	}
	for (i = 0; i < n; i++) {
		if (memcmp(old->e[i].leaf, x->e[i].leaf, MERKLE_HASH_SIZE)) {
			problem(r, x, x->e[i].line, K_REWRITTEN, "entry %zu "
				"(seq %lld) differs from line %ld of %s", i + 1,
				x->e[i].seq, old->e[i].line, old->path);
		}
	}
	for (i = 0; i < old->nc; i++) {
		const struct vcheckpoint *c = &old->c[i];
		const unsigned char *root;

		if (!c->usable) {
			continue;
		}
		root = roots_find(roots, x, c->size);
		if (root == NULL) {
			problem(r, x, 0, K_REWRITTEN, "the checkpoint of size "
				"%lld of %s (line %ld) covers more entries "
				"than this export holds", c->size, old->path,
				c->line);
		} else if (memcmp(root, c->root, MERKLE_HASH_SIZE) != 0) {
			problem(r, x, 0, K_REWRITTEN, "its first %lld entries "
				"do not give the root that %s signed at that "
				"size (line %ld): the history was rewritten",
				c->size, old->path, c->line);
		}
	}
}

static void
summary(const struct report *r, const struct export_file *x,
	const struct export_file *old, long long last_good)
{
	char root[MERKLE_HEX_SIZE], when[AUDIT_TIME_SIZE];
	const struct vcheckpoint *c = NULL;
	size_t i;
	int k, first = 1;

	if (r->shown > MAX_SHOWN) {
		fprintf(r->out, "mycert-audit: %ld more findings not shown\n",
			r->shown - MAX_SHOWN);
	}
	if (r->shown > 0) {
		fprintf(r->out, "mycert-audit: NOT VERIFIED: %s:", x->path);
		for (k = 0; k < K_COUNT; k++) {
			if (r->counts[k] > 0) {
				fprintf(r->out, "%s %s: %ld",
					first ? "" : ",", kind_names[k],
					r->counts[k]);
				first = 0;
			}
		}
		fputc('\n', r->out);
		return;
	}
	for (i = 0; i < x->nc; i++) {
		if (x->c[i].size == last_good) {
			c = &x->c[i];
		}
	}
	if (last_good < (long long)x->n) {
		notice(r, x, "entries %lld to %zu are not covered by a "
		       "signed checkpoint yet: they prove nothing until one "
		       "is made", last_good + 1, x->n);
	}
	fprintf(r->out, "mycert-audit: verified %s: %zu entries, %zu "
		"checkpoints, every signature good", x->path, x->n, x->nc);
	if (c != NULL) {
		merkle_hex(c->root, root);
		audit_format_time(c->ts_ms, when);
		fprintf(r->out, "; signed root at size %lld: %s (%s)",
			c->size, root, when);
	}
	if (old != NULL) {
		fprintf(r->out, "; it extends %s (%zu entries, %zu "
			"checkpoints)", old->path, old->n, old->nc);
	}
	fputc('\n', r->out);
}

static int
verify_old(struct export_file *old, struct report *r, EVP_PKEY *pub,
	   X509 *cert, struct err *e)
{
	struct roots roots = { 0 };
	long long good = 0;
	int rc = -1;

	if (read_export(old, r, e) != 0 || roots_want(&roots, old) != 0 ||
	    roots_compute(&roots, old, e) != 0 ||
	    analyse(old, r, &roots, pub, cert, &good, e) != 0) {
		if (e->code == ERR_NONE) {
			err_set(e, ERR_INTERNAL, "out of memory");
		}
		goto out;
	}
	rc = 0;
out:
	roots_free(&roots);
	return rc;
}

int
audit_verify_stream(FILE *in, const char *name, FILE *since_in,
		    const char *since_name, X509 *cert, FILE *report,
		    int *verified, struct err *e)
{
	struct export_file x = { 0 }, old = { 0 };
	struct roots roots = { 0 };
	struct report r = { 0 };
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	long long good = 0;
	int rc = -1;

	*verified = 0;
	r.out = report;
	x.in = in;
	x.path = name;
	x.label = "";
	old.in = since_in;
	old.path = since_name;
	old.label = "old export ";
	if (pub == NULL) {
		return err_set(e, ERR_INPUT, "the audit certificate holds no "
			       "usable public key");
	}
	if ((since_in != NULL && verify_old(&old, &r, pub, cert, e) != 0) ||
	    read_export(&x, &r, e) != 0) {
		goto out;
	}
	if (roots_want(&roots, &x) != 0 ||
	    (since_in != NULL && roots_want(&roots, &old) != 0)) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (roots_compute(&roots, &x, e) != 0 ||
	    analyse(&x, &r, &roots, pub, cert, &good, e) != 0) {
		goto out;
	}
	if (since_in != NULL) {
		check_extends(&old, &x, &roots, &r);
	}
	summary(&r, &x, since_in != NULL ? &old : NULL, good);
	*verified = r.shown == 0;
	rc = 0;
out:
	roots_free(&roots);
	export_file_free(&x);
	export_file_free(&old);
	return rc;
}

int
audit_verify_export(const char *path, const char *since, X509 *cert,
		    int *verified, struct err *e)
{
	FILE *in = NULL, *since_in = NULL;
	int rc = -1;

	*verified = 0;
	if (since != NULL && (since_in = fopen(since, "re")) == NULL) {
		return err_set(e, ERR_IO, "cannot read %s: %s", since,
			       strerror(errno));
	}
	if ((in = fopen(path, "re")) == NULL) {
		err_set(e, ERR_IO, "cannot read %s: %s", path,
			strerror(errno));
		goto out;
	}
	rc = audit_verify_stream(in, path, since_in, since, cert, stdout,
				 verified, e);
out:
	if (in != NULL) {
		fclose(in);
	}
	if (since_in != NULL) {
		fclose(since_in);
	}
	return rc;
}
