// flow.mjs: the browser test of mycert.  Debian's headless Chromium,
// driven by playwright-core, goes through the professional's flow by
// clicking, as a person would, and saves a screenshot of every page.
//
// Environment:
//   BASE      https://127.0.0.1:PORT of a running mycertd (dev portal on)
//   OUTBOX    the daemon's mail outbox folder (mail_outbox)
//   OUT       output folder: screenshots/, the downloaded stores, and
//             what the shell wrapper checks them with
//   CHROMIUM  the browser (default /usr/bin/chromium)
//
// Two passes:
//   1. with JavaScript, desktop and phone screenshots of each page: dev
//      portal, home, terms, data, code, progress, done (copy, download),
//      home with the overview, deactivation, home again; FAQ, language
//      switch, a refused persona, a 404 page.  Any console error, page
//      error or Content-Security-Policy violation fails the test.
//   2. without JavaScript, in a phone profile: sign-in, terms, data,
//      code, progress, done and the download through the plain link.
//
// For the wrapper it writes, in OUT: js.p12 + js.password + js.serial
// (the serial the overview showed) and nojs.p12 + nojs.password.
// Exits non-zero with a message naming the broken step.

import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const BASE = (process.env.BASE || "").replace(/\/$/, "");
const OUTBOX = process.env.OUTBOX || "";
const OUT = process.env.OUT || "";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

if (!BASE.startsWith("https://127.0.0.1:") || !OUTBOX || !OUT) {
	console.error("flow: set BASE (https://127.0.0.1:PORT), OUTBOX and OUT");
	process.exit(2);
}

const SHOTS = path.join(OUT, "screenshots");
fs.mkdirSync(SHOTS, { recursive: true });

// Headless, and off every host but ours: without the background-networking
// flags Chromium tries to reach Google's hosts at start.  Each pass also
// gets a fresh, empty profile (--user-data-dir, see launch()).
const CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
];

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const STEP_TIMEOUT = 10000;

let shotNumber = 0;
let passed = 0;
let currentStep = "start";
const problems = [];	// console errors, CSP violations, bad assets
// Pages the test expects to answer with an error status (a refusal, the
// 404 page): Chromium logs "Failed to load resource" for those.
const expectedErrorPages = new Set();

function step(name) {
	currentStep = name;
	console.log(`flow: ${name}`);
}

function ok(what) {
	passed++;
	console.log(`ok   ${what}`);
}

class StepError extends Error {}

function fail(what) {
	throw new StepError(`${currentStep}: ${what}`);
}

function expect(cond, what) {
	if (!cond) {
		fail(what);
	}
	ok(what);
}

// Screenshots of the page as it is: full page at phone width and, unless
// phoneOnly, at desktop width.  Names: NN-name-phone.png, NN-name-desktop.png.
async function shoot(page, name, { phoneOnly = false, desktopOnly = false } = {}) {
	shotNumber++;
	const base = `${String(shotNumber).padStart(2, "0")}-${name}`;
	const original = page.viewportSize();
	const sizes = phoneOnly ? [["phone", PHONE]] :
		desktopOnly ? [["desktop", DESKTOP]] :
			[["phone", PHONE], ["desktop", DESKTOP]];
	for (const [label, size] of sizes) {
		if (page.viewportSize().width !== size.width) {
			await page.setViewportSize(size);
		}
		await page.screenshot({
			path: path.join(SHOTS, `${base}-${label}.png`),
			fullPage: true,
			animations: "disabled",
		});
	}
	if (page.viewportSize().width !== original.width) {
		await page.setViewportSize(original);
	}
}

// Listens for what must never happen on a page of ours.
function watch(page, pass) {
	page.on("console", (msg) => {
		const loc = msg.location()?.url || "";
		if (msg.type() === "error" &&
		    !(expectedErrorPages.has(new URL(loc || BASE).pathname) &&
		      /^Failed to load resource: the server responded with a status of (403|404)/.test(msg.text()))) {
			problems.push(`${pass}: console error on ${page.url()}: ${msg.text()}`);
		}
	});
	page.on("pageerror", (err) => {
		problems.push(`${pass}: page error on ${page.url()}: ${err.message}`);
	});
	page.on("response", (res) => {
		const u = new URL(res.url());
		if (u.pathname.startsWith("/static/") && res.status() >= 400) {
			problems.push(`${pass}: ${u.pathname} answered ${res.status()}`);
		}
	});
	page.on("requestfailed", (req) => {
		const u = new URL(req.url());
		// A navigation that a meta refresh or a click cuts short is normal;
		// a page resource that fails is not.
		if (req.resourceType() !== "document") {
			problems.push(`${pass}: ${u.pathname} failed: ${req.failure()?.errorText}`);
		}
	});
}

// Reports CSP violations as console errors (the init script runs in the
// page before its own scripts; with JavaScript off it does not run).
const CSP_REPORTER = `
document.addEventListener("securitypolicyviolation", function (e) {
	console.error("CSP violation: " + e.violatedDirective + " blocked " +
		(e.blockedURI || "inline") + " in " + e.sourceFile + ":" + e.lineNumber);
});`;

async function launch(profileName, options) {
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), `mycert-chromium-${profileName}-`));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
		ignoreHTTPSErrors: true,
		acceptDownloads: true,
		locale: "fr-FR",
		timeout: 30000,
		...options,
	});
	context.setDefaultTimeout(STEP_TIMEOUT);
	context.setDefaultNavigationTimeout(STEP_TIMEOUT);
	return { context, userDataDir };
}

async function close({ context, userDataDir }) {
	await context.close().catch(() => {});
	fs.rmSync(userDataDir, { recursive: true, force: true });
}

async function htmlLang(page) {
	return page.locator("html").getAttribute("lang");
}

async function h1(page) {
	return (await page.locator("main h1").first().innerText()).trim();
}

// Waits for a path (and, when loaded, the page) after a click.
async function waitPath(page, wanted, timeout = STEP_TIMEOUT) {
	try {
		await page.waitForURL((u) => u.pathname === wanted, { timeout });
		await page.waitForLoadState("load");
	} catch {
		fail(`expected to reach ${wanted}, still on ${page.url()} ` +
			`(page title: ${await page.title().catch(() => "?")})`);
	}
}

function outboxFiles() {
	return fs.readdirSync(OUTBOX).filter((f) => f.endsWith(".eml")).sort();
}

// The code of the first message that was not in `before`.
async function waitForCode(before) {
	const deadline = Date.now() + STEP_TIMEOUT;
	while (Date.now() < deadline) {
		const fresh = outboxFiles().filter((f) => !before.includes(f));
		if (fresh.length > 0) {
			const text = fs.readFileSync(path.join(OUTBOX, fresh[fresh.length - 1]), "utf8");
			const m = text.replace(/\r/g, "").match(/^ *([0-9]{6})$/m);
			if (!m) {
				fail(`no 6-digit code line in ${fresh[fresh.length - 1]}`);
			}
			return m[1];
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	fail(`no new message in ${OUTBOX} after Validate`);
}

// From the dev portal to the success page; returns the password shown.
// `shots` tells how to take screenshots in this pass.
async function requestStore(page, persona, email, prefix, shots) {
	step(`${prefix}: dev portal`);
	const res = await page.goto(`${BASE}/dev/portal`);
	expect(res.status() === 200, "dev portal answers 200");
	await shoot(page, `${prefix}-dev-portal`, shots);
	await page.locator(`button[name="persona"][value="${persona}"]`).click();
	await waitPath(page, "/");

	step(`${prefix}: home, no store`);
	const request = page.locator('main a.btn[href="/terms"]');
	expect(await request.isVisible(), "home offers the request button");
	await shoot(page, `${prefix}-home-request`, shots);
	await request.click();
	await waitPath(page, "/terms");

	step(`${prefix}: terms of use`);
	const accept = page.locator('input[type="checkbox"][name="accept"]');
	expect(!(await accept.isChecked()), "the acceptance box starts unticked");
	await shoot(page, `${prefix}-terms`, shots);
	await accept.check();
	await page.locator('form[action="/terms"] button[type="submit"]').click();
	await waitPath(page, "/data");

	step(`${prefix}: data check`);
	const main = await page.locator("main").innerText();
	expect(/PS-0\d\d/.test(main), "data check shows the profession code");
	const emailField = page.locator("#email");
	expect(await emailField.isEditable(), "email field is editable");
	expect(await page.locator("dl.data input").count() === 0,
		"the identity data is read-only");
	await emailField.fill(email);
	await shoot(page, `${prefix}-data`, shots);
	const before = outboxFiles();
	await page.locator('button[name="action"][value="validate"]').click();
	await waitPath(page, "/code");

	step(`${prefix}: code`);
	const code = await waitForCode(before);
	expect(/^[0-9]{6}$/.test(code), "a 6-digit code arrived in the outbox");
	expect((await page.locator("main").innerText()).includes(email),
		"the code page names the address");
	await page.locator("#code").fill(code);
	await shoot(page, `${prefix}-code`, shots);
	await page.locator('form[action="/code"] button[type="submit"]').click();

	step(`${prefix}: progress`);
	try {
		await page.waitForURL((u) => u.pathname === "/progress" || u.pathname === "/done");
	} catch {
		fail(`the code was not taken: still on ${page.url()}`);
	}
	if (new URL(page.url()).pathname === "/progress") {
		await page.waitForLoadState("load");
		const refresh = await page.locator('meta[http-equiv="refresh"]').count();
		expect(refresh === 1, "the progress page refreshes by itself");
		// One screenshot only: the page reloads every 2 seconds.
		await shoot(page, `${prefix}-progress`, { phoneOnly: true }).catch(() => {});
	} else {
		ok("generation done before the progress page showed");
	}
	await waitPath(page, "/done", 30000);

	step(`${prefix}: success page`);
	const password = (await page.locator("#password").innerText()).replace(/\s+/g, "");
	expect(/^[A-Za-z0-9]{16,}$/.test(password),
		`a password of ${password.length} letters and digits is shown`);
	expect(await page.locator('main a[href="/download"]').isVisible(),
		"the Download button is there");
	return password;
}

async function downloadStore(page, file) {
	const [download] = await Promise.all([
		page.waitForEvent("download"),
		page.locator('main a[href="/download"]').click(),
	]);
	const failure = await download.failure();
	if (failure) {
		fail(`download failed: ${failure}`);
	}
	await download.saveAs(file);
	const size = fs.statSync(file).size;
	expect(size > 1000, `the store downloaded (${download.suggestedFilename()}, ${size} bytes)`);
	expect(/\.p12$/.test(download.suggestedFilename()), "the file name ends in .p12");
}

function writeSecret(name, text) {
	fs.writeFileSync(path.join(OUT, name), `${text}\n`, { mode: 0o600 });
}

// ---- pass 1: with JavaScript --------------------------------------------

async function passWithScript() {
	const browser = await launch("js", { viewport: DESKTOP });
	const { context } = browser;
	try {
		await context.grantPermissions(["clipboard-read", "clipboard-write"],
			{ origin: BASE }).catch(() => {});
		await context.addInitScript(CSP_REPORTER);
		const page = context.pages()[0] || (await context.newPage());
		watch(page, "js");

		const password = await requestStore(page, "doctor", "helene.dupont@example.test",
			"js", {});

		step("js: copy button");
		const copy = page.locator("#copy");
		expect(await copy.isVisible(), "copy.js showed the Copy button");
		const status = page.locator("#copy-status");
		const statusBefore = (await status.innerText()).trim();
		const copied = await copy.getAttribute("data-copied");
		await shoot(page, "js-done", {});
		await copy.click();
		try {
			await page.waitForFunction(
				(before) => document.getElementById("copy-status").textContent.trim() !== before,
				statusBefore, { timeout: 3000 });
			expect((await status.innerText()).trim() === copied,
				`the copy status says "${copied}"`);
			let clip = null;
			try {
				clip = await page.evaluate(() => navigator.clipboard.readText());
			} catch (e) {
				console.log(`note: clipboard not readable here (${e.message.split("\n")[0]})`);
			}
			if (clip !== null) {
				expect(clip === password, "the clipboard holds exactly the password");
			}
		} catch (e) {
			if (e instanceof StepError) {
				throw e;
			}
			// Headless Chromium may refuse the clipboard: copy.js then
			// selects the password for the person to copy.
			const selected = await page.evaluate(() => String(window.getSelection()));
			expect(selected.replace(/\s+/g, "") === password,
				"no clipboard here: copy.js selected the password instead");
		}
		await shoot(page, "js-done-copied", {});

		step("js: download");
		await downloadStore(page, path.join(OUT, "js.p12"));
		writeSecret("js.password", password);

		step("js: back to home");
		await page.locator('main a.btn-secondary[href="/"]').click();
		await waitPath(page, "/");
		const serial = (await page.locator("table.overview td.mono").first().innerText()).trim();
		expect(/^[0-9A-Fa-f:]{16,}$/.test(serial), `the overview shows the serial ${serial}`);
		writeSecret("js.serial", serial);
		expect(await page.locator(".badge-ok").isVisible(), "the store is shown active");
		await shoot(page, "js-home-overview", {});

		step("js: deactivate");
		await page.locator('main a[href="/deactivate"]').click();
		await waitPath(page, "/deactivate");
		expect((await page.locator("main").innerText()).includes(serial),
			"the deactivation page names the serial");
		await shoot(page, "js-deactivate", {});
		await page.locator('input[name="reason"]').first().check();
		await page.locator('input[name="confirm"]').check();
		await shoot(page, "js-deactivate-confirmed", { phoneOnly: true });
		await page.locator('form[action="/deactivate"] button.btn-danger').click();
		await waitPath(page, "/");
		expect(await page.locator("main .notice-ok").isVisible(), "home confirms the deactivation");
		expect(await page.locator('main a.btn[href="/terms"]').isVisible(),
			"home offers a new request");
		expect(await page.locator("table.overview").count() === 0, "no overview any more");
		await shoot(page, "js-home-deactivated", {});

		step("js: FAQ and language switch");
		await page.locator('footer a[href="/faq"]').click();
		await waitPath(page, "/faq");
		expect(await htmlLang(page) === "fr", "French by default");
		const faqFr = await h1(page);
		expect(await page.locator("main h2").count() >= 3, "the FAQ has questions");
		await shoot(page, "js-faq-fr", {});
		await page.locator('a[hreflang="en"]').click();
		await waitPath(page, "/faq");
		expect(await htmlLang(page) === "en", "the switch to EN gives an English page");
		const faqEn = await h1(page);
		expect(faqEn !== faqFr && /question/i.test(faqEn), `the FAQ title is English: ${faqEn}`);
		expect(await page.locator('a[hreflang="en"][aria-current="true"]').count() === 1,
			"the switch marks EN as current");
		await shoot(page, "js-faq-en", {});
		await page.locator('a[hreflang="de"]').click();
		await waitPath(page, "/faq");
		expect(await htmlLang(page) === "de", "the switch to DE gives a German page");
		const faqDe = await h1(page);
		expect(faqDe !== faqEn && faqDe !== faqFr, `the FAQ title is German: ${faqDe}`);
		await shoot(page, "js-faq-de", {});
		await page.locator('a.btn[href="/"]').click();
		await waitPath(page, "/");
		expect(await htmlLang(page) === "de", "the language stays German on home");
		await shoot(page, "js-home-de", {});
		await page.locator('a[hreflang="fr"]').click();
		await waitPath(page, "/");
		expect(await htmlLang(page) === "fr", "back to French");

		step("js: refused access (not-strong)");
		await page.goto(`${BASE}/dev/portal`);
		expectedErrorPages.add("/sso");
		await page.locator('button[name="persona"][value="not-strong"]').click();
		await page.waitForURL((u) => u.pathname === "/sso");
		await page.waitForLoadState("load");
		expect(await h1(page) === "Connexion forte nécessaire",
			"the refusal page names the missing strong sign-in");
		expect(await page.locator("main h2").count() === 1, "it says what to do");
		await shoot(page, "js-refused-not-strong", {});

		step("js: 404");
		expectedErrorPages.add("/no-such-page");
		const res404 = await page.goto(`${BASE}/no-such-page`);
		expect(res404.status() === 404, "an unknown address answers 404");
		expect(await h1(page) === "Page introuvable", "the 404 page says the page is not found");
		expect(await page.locator('main a.btn[href="/"]').isVisible(), "it leads back home");
		await shoot(page, "js-404", {});

		step("js: the CSP watcher works");
		// An inline script is what the policy forbids: the watcher must
		// see it, or its silence above proves nothing.
		const seen = problems.length;
		await page.evaluate(() => {
			const s = document.createElement("script");
			s.textContent = "window.inlineRan = true;";
			document.body.appendChild(s);
		});
		await page.waitForTimeout(300);
		const ran = await page.evaluate(() => window.inlineRan === true);
		const caught = problems.slice(seen);
		problems.length = seen;
		expect(!ran, "the Content-Security-Policy blocks an inline script");
		expect(caught.some((p) => /CSP violation|Content Security Policy/.test(p)),
			"the watcher reports the CSP violation");

		step("js: keyboard focus");
		await page.goto(`${BASE}/faq`);
		await page.keyboard.press("Tab");
		await page.keyboard.press("Tab");
		const focused = await page.evaluate(() => {
			const el = document.activeElement;
			const s = getComputedStyle(el);
			return { tag: el.tagName, outline: s.outlineStyle, width: s.outlineWidth };
		});
		expect(focused.tag === "A" && focused.outline !== "none" && focused.width !== "0px",
			`focus is visible (${focused.tag}, outline ${focused.outline} ${focused.width})`);
		await shoot(page, "js-focus-visible", { desktopOnly: true });
	} finally {
		await close(browser);
	}
}

// ---- pass 2: without JavaScript, phone profile ----------------------------

async function passWithoutScript() {
	const browser = await launch("nojs", {
		javaScriptEnabled: false,
		viewport: PHONE,
		isMobile: true,
		hasTouch: true,
		deviceScaleFactor: 2,
	});
	const { context } = browser;
	try {
		const page = context.pages()[0] || (await context.newPage());
		watch(page, "nojs");

		const password = await requestStore(page, "pharmacist",
			"jean-luc.oconnor@example.test", "nojs", { phoneOnly: true });
		expect(!(await page.locator("#copy").isVisible()),
			"without JavaScript the Copy button stays hidden");
		await shoot(page, "nojs-done", { phoneOnly: true });

		step("nojs: download through the link");
		await downloadStore(page, path.join(OUT, "nojs.p12"));
		writeSecret("nojs.password", password);

		step("nojs: home");
		await page.locator('main a.btn-secondary[href="/"]').click();
		await waitPath(page, "/");
		expect(await page.locator("table.overview").isVisible(), "home shows the new store");
		await shoot(page, "nojs-home-overview", { phoneOnly: true });
	} finally {
		await close(browser);
	}
}

async function main() {
	const started = Date.now();
	try {
		await passWithScript();
		await passWithoutScript();
	} catch (e) {
		const where = e instanceof StepError ? "" : `${currentStep}: `;
		console.error(`FAIL flow: ${where}${e.message.split("\n")[0]}`);
		for (const p of problems) {
			console.error(`     ${p}`);
		}
		process.exit(1);
	}
	if (problems.length > 0) {
		console.error(`FAIL flow: ${problems.length} console/CSP/asset problem(s):`);
		for (const p of problems) {
			console.error(`     ${p}`);
		}
		process.exit(1);
	}
	ok("no console error, page error, CSP violation or failed asset");
	const shots = fs.readdirSync(SHOTS).filter((f) => f.endsWith(".png")).length;
	console.log(`flow: ${passed} checks passed, ${shotNumber} pages, ${shots} screenshots ` +
		`in ${SHOTS}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
