/*
 * copy.js: the one script of mycert.  It shows the Copy button of the
 * success page and copies the password exactly as displayed (the groups
 * are separate elements: no space is part of the text).  Every page works
 * without it.
 */
(function () {
	"use strict";
	var button = document.getElementById("copy");
	var source = document.getElementById("password");
	var status = document.getElementById("copy-status");

	if (!button || !source) {
		return;
	}

	function done() {
		if (status) {
			status.textContent = button.getAttribute("data-copied");
		}
	}

	function fallback(text) {
		var range = document.createRange();
		var selection = window.getSelection();

		range.selectNodeContents(source);
		selection.removeAllRanges();
		selection.addRange(range);
		try {
			if (document.execCommand("copy")) {
				done();
			}
		} catch (e) {
			/* the text stays selected: the person copies it */
		}
		return text;
	}

	button.hidden = false;
	button.addEventListener("click", function () {
		var text = source.textContent.replace(/\s+/g, "");

		if (navigator.clipboard && window.isSecureContext) {
			navigator.clipboard.writeText(text).then(done, function () {
				fallback(text);
			});
		} else {
			fallback(text);
		}
	});
}());
