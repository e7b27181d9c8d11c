// End-to-end journey against the real backend in embedded mode, driven through Debian's Chromium with
// playwright-core: sign in, upload a real video, pick the subject, set specs, wait for the report, click a stamp
// (the video seeks), share, open the link anonymously, revoke it. Screenshots of every page at desktop and phone
// sizes go to e2e/screenshots/.
//
// Env: CHROMIUM (default /usr/bin/chromium), PUNCH_PYTHON (default ../.venv/bin/python), E2E_SKIP_BUILD=1,
// E2E_HEADFUL=1, E2E_TIMEOUT_S (analysis wait, default 300).
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, existsSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const frontend = path.dirname(here);
const repo = path.dirname(frontend);
const shots = path.join(here, "screenshots");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const python = process.env.PUNCH_PYTHON ?? path.join(repo, ".venv/bin/python");
const punch = path.join(path.dirname(python), "punch");
const analysisTimeout = Number(process.env.E2E_TIMEOUT_S ?? 300) * 1000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const log = (...args) => console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...args);

function fail(message) {
  throw new Error(message);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitForHealth(base, backend, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (backend.exitCode !== null) fail(`the backend exited with ${backend.exitCode}`);
    try {
      const res = await fetch(`${base}/api/v1/auth/providers`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  fail("the backend did not start within 60 s");
}

async function main() {
  if (!existsSync(chromiumPath)) fail(`no Chromium at ${chromiumPath} (apt-get install -y chromium)`);
  if (!existsSync(punch)) fail(`no backend at ${punch} (make install first)`);
  const work = mkdtempSync(path.join(os.tmpdir(), "punch-e2e-"));
  const video = path.join(os.tmpdir(), "punch-e2e-round.mp4");
  const twoPeople = path.join(os.tmpdir(), "punch-e2e-two-people.mp4");
  try {
    execFileSync(python, [path.join(here, "make_video.py"), video, twoPeople], { stdio: "inherit", cwd: repo });
  } catch (error) {
    if (error.status === 3) {
      log("SKIPPED: ../shared is absent, no real video to upload");
      return;
    }
    throw error;
  }
  if (process.env.E2E_SKIP_BUILD !== "1") {
    log("building the app");
    execFileSync("npm", ["run", "build"], { stdio: "inherit", cwd: frontend });
  }
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`starting the backend at ${base} (data in ${work})`);
  const backend = spawn(punch, ["serve", "--port", String(port)], {
    cwd: repo,
    env: {
      ...process.env,
      PUNCH_DATA_DIR: work,
      PUNCH_FRONTEND_DIR: path.join(frontend, "dist"),
      PUNCH_PUBLIC_URL: base,
      PUNCH_LOG_FORMAT: "text",
      PUNCH_LOG_LEVEL: process.env.PUNCH_LOG_LEVEL ?? "WARNING",
    },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  let stopping = false;
  backend.on("exit", (code, signal) => {
    if (!stopping) log(`the backend exited unexpectedly (code ${code}, signal ${signal})`);
  });
  const stopBackend = () => {
    stopping = true;
    if (backend.exitCode === null) {
      try {
        process.kill(-backend.pid, "SIGTERM");
      } catch {
        backend.kill("SIGTERM");
      }
    }
  };
  process.on("SIGINT", () => {
    stopBackend();
    process.exit(130);
  });

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: process.env.E2E_HEADFUL !== "1",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
  });
  const consoleErrors = [];
  const watch = (page, name) => {
    page.on("pageerror", (e) => consoleErrors.push(`${name}: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of (401|404|409)/.test(m.text())) consoleErrors.push(`${name}: ${m.text()}`);
    });
  };
  const shot = async (page, name) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(300);
    const file = path.join(shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    log(`screenshot ${path.relative(frontend, file)}`);
  };
  const step = async (name, fn) => {
    log(`▶ ${name}`);
    await fn();
  };

  try {
    await waitForHealth(base, backend);
    const desktop = await browser.newContext({ viewport: DESKTOP, locale: "en-GB" });
    const page = await desktop.newPage();
    watch(page, "desktop");
    page.setDefaultTimeout(30000);
    let analysisId = "";
    let shareUrl = "";

    await step("landing", async () => {
      await page.goto(`${base}/`);
      await page.getByRole("heading", { name: "See every punch you throw" }).waitFor();
      await shot(page, "desktop-01-landing");
      await page.getByRole("link", { name: "See a sample report" }).click();
      await page.getByRole("heading", { name: "Sample report" }).waitFor();
      await page.getByRole("heading", { name: "Rounds and combinations" }).waitFor();
      await shot(page, "desktop-01b-sample-report");
    });
    await step("log in (local)", async () => {
      await page.goto(`${base}/login?next=%2Fdashboard`);
      await page.getByRole("button", { name: "Continue on this computer" }).waitFor();
      await shot(page, "desktop-02-login");
      await page.getByRole("button", { name: "Continue on this computer" }).click();
      await page.waitForURL(`${base}/dashboard`);
      await page.getByRole("heading", { name: "Your rounds" }).waitFor();
      await page.getByText("No reports yet").waitFor();
      await shot(page, "desktop-03-dashboard-empty");
    });
    await step("upload a real video", async () => {
      await page.goto(`${base}/upload`);
      await page.getByRole("heading", { name: "Upload a round" }).waitFor();
      await shot(page, "desktop-04-upload");
      await page.locator('input[type="file"]').setInputFiles(video);
      await page.getByRole("progressbar").first().waitFor();
      await page.waitForURL(/\/configure\/[^/]+$/, { timeout: 120000 });
      analysisId = page.url().split("/").pop();
      log(`analysis ${analysisId}`);
    });
    await step("pick the subject and set specs", async () => {
      const person = page.getByRole("button", { name: /^Person 1 at / }).first();
      await person.waitFor({ timeout: 120000 });
      await page.waitForFunction(() => [...document.images].every((i) => i.complete));
      await shot(page, "desktop-05-configure");
      await person.focus();
      await page.keyboard.press("Enter"); // keyboard-operable picker
      await page.getByText(/You picked person 1/).waitFor();
      // inline validation: a height out of range is refused before anything is sent
      await page.getByLabel("Height (cm)").fill("90");
      await page.getByLabel("Height (cm)").blur();
      await page.getByText("Height must be between 100 and 250 cm.").waitFor();
      await shot(page, "desktop-06-configure-validation");
      await page.getByLabel("Height (cm)").fill("175");
      await page.getByLabel("Weight (kg, optional)").fill("70");
      await page.getByRole("button", { name: "Start the analysis" }).click();
      await page.waitForURL(/\/processing\//);
    });
    await step("wait for the report (live progress)", async () => {
      await page.getByRole("status").filter({ hasText: /%|Waiting/ }).first().waitFor({ timeout: 60000 }).catch(() => undefined);
      await shot(page, "desktop-07-processing");
      await page.waitForURL(/\/report\//, { timeout: analysisTimeout });
      await page.getByRole("heading", { name: "Round report" }).waitFor({ timeout: 60000 });
      await page.waitForFunction(() => {
        const v = document.querySelector("video");
        return v && v.readyState >= 2;
      });
      await page.waitForResponse((r) => r.url().endsWith("/pose"), { timeout: 5000 }).catch(() => undefined);
      await shot(page, "desktop-08-report");
    });
    await step("click a stamp: the video seeks", async () => {
      const stamps = page.getByRole("toolbar", { name: "Timeline" }).getByRole("button");
      const count = await stamps.count();
      if (count === 0) fail("the report has no stamps to click");
      const target = stamps.nth(Math.min(count - 1, Math.floor(count / 2)));
      const before = await page.evaluate(() => document.querySelector("video").currentTime);
      await target.click();
      await page.waitForFunction((b) => Math.abs(document.querySelector("video").currentTime - b) > 0.5, before);
      const after = await page.evaluate(() => document.querySelector("video").currentTime);
      log(`video seeked from ${before.toFixed(2)} s to ${after.toFixed(2)} s`);
      await page.waitForFunction(() => document.querySelector("video").seeking === false);
      await page.locator("video").scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots, "desktop-09-report-seeked.png") });
      // the skeleton is drawn over the video: the canvas has painted pixels
      const painted = await page.evaluate(() => {
        const c = document.querySelector("[data-testid=skeleton-canvas]");
        const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n;
      });
      log(`skeleton canvas: ${painted} painted pixels`);
      if (painted === 0) fail("no skeleton drawn over the video after seeking");
    });
    await step("rounds, combinations and the CSV export", async () => {
      await page.getByRole("heading", { name: "Rounds and combinations" }).scrollIntoViewIfNeeded();
      await page.getByRole("region", { name: "Rounds" }).getByText("Round 1").waitFor();
      await page.screenshot({ path: path.join(shots, "desktop-09b-report-rounds.png"), fullPage: false });
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
      const file = await download.path();
      const text = (await import("node:fs")).readFileSync(file, "utf8");
      if (!text.includes("section,t_start_s,t_peak_s") || !text.includes("metric,strikes_total,")) fail("the CSV lacks its stamps or metrics");
      log(`CSV ${download.suggestedFilename()}: ${text.split("\n").length} lines`);
    });
    await step("correct the stamps: one deleted, one retyped, one added; the figures follow", async () => {
      const before = Number(await page.locator("dl dd").first().innerText().then((s) => s.replace(/\D/g, "")));
      await page.getByRole("button", { name: "Correct the stamps" }).click();
      const editor = page.getByRole("group", { name: "Correcting the stamps" });
      await editor.waitFor();
      await page.getByRole("button", { name: "Next stamp" }).click(); // the first stamp
      await editor.getByText(/^0:\d\d\.\d$/).waitFor();
      await editor.getByLabel("Kind").click();
      await page.getByRole("option", { name: "Lead hook" }).click();
      await page.getByRole("button", { name: "Next stamp" }).click();
      await editor.getByRole("button", { name: "Delete this stamp" }).click();
      await page.evaluate(() => {
        const v = document.querySelector("video");
        v.currentTime = Math.min(v.duration - 1, 30.5);
      });
      await page.waitForFunction(() => Math.abs(document.querySelector("video").currentTime - 30.5) < 0.6);
      await editor.getByRole("button", { name: /^Add a stamp at / }).click();
      await editor.getByText("3 change(s)").waitFor();
      await shot(page, "desktop-09c-report-correcting");
      await editor.getByRole("button", { name: "Save corrections" }).click();
      await page.getByText(/You corrected this report: \d+ deleted, 1 changed, 1 added/).waitFor();
      await page.getByText("The coaching was written before your corrections.").waitFor();
      const after = Number(await page.locator("dl dd").first().innerText().then((s) => s.replace(/\D/g, "")));
      log(`punches counted: ${before} before, ${after} after the corrections`);
      const [labels] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export as labels" }).click()]);
      const doc = JSON.parse((await import("node:fs")).readFileSync(await labels.path(), "utf8"));
      if (doc.format !== "punch-labels" || !doc.events.some((e) => e.kind === "lead_hook")) fail("the labels export lacks the correction");
      await shot(page, "desktop-09d-report-corrected");
    });
    await step("the video with the skeleton and the corrected stamps drawn, downloaded", async () => {
      await page.getByRole("button", { name: "Video with skeleton" }).click();
      await page.getByRole("button", { name: /^(Video queued…|Drawing the video…)/ }).waitFor();
      await shot(page, "desktop-09e-report-drawing-video");
      const link = page.getByRole("link", { name: /^Download video \(/ });
      await link.waitFor({ timeout: 180000 });
      const [video] = await Promise.all([page.waitForEvent("download"), link.click()]);
      const bytes = (await import("node:fs")).readFileSync(await video.path());
      if (bytes.subarray(4, 8).toString("latin1") !== "ftyp") fail("the downloaded video is not an MP4");
      log(`overlay video ${video.suggestedFilename()}: ${(bytes.length / 1048576).toFixed(1)} MB`);
    });
    await step("share", async () => {
      await page.getByText("This report is private").waitFor();
      await page.getByRole("button", { name: "Create link" }).click();
      const url = page.getByTestId("share-url").first();
      await url.waitFor();
      shareUrl = (await url.textContent()).trim();
      log(`share link ${shareUrl}`);
      await page.getByRole("button", { name: "Copy link" }).first().click();
      await page.getByText("Link copied").waitFor();
      await page.getByRole("heading", { name: "Share" }).scrollIntoViewIfNeeded();
      await shot(page, "desktop-10-report-shared");
    });
    await step("anonymous fresh context opens the link", async () => {
      for (const [size, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
        const anon = await browser.newContext({ viewport, isMobile: size === "phone", hasTouch: size === "phone" });
        const p = await anon.newPage();
        watch(p, `anon-${size}`);
        await p.goto(shareUrl);
        await p.getByRole("heading", { name: "Shared round report" }).waitFor();
        if ((await p.getByRole("button", { name: "Create link" }).count()) > 0) fail("share controls on the shared page");
        const og = await p.locator('meta[property="og:title"]').getAttribute("content");
        if (!og) fail("no Open Graph tags on the shared page");
        await p.waitForFunction(() => document.querySelector("video")?.readyState >= 2);
        await shot(p, `${size}-11-shared`);
        await anon.close();
      }
    });
    await step("revoke: the link becomes unavailable", async () => {
      await page.getByRole("button", { name: "Revoke" }).first().click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
      await page.getByText("Revoked").first().waitFor();
      const anon = await browser.newContext({ viewport: DESKTOP });
      const p = await anon.newPage();
      await p.goto(shareUrl);
      await p.getByText("Link unavailable").first().waitFor();
      await shot(p, "desktop-12-shared-revoked");
      // the app's own message for the same link (client-side navigation to /share/…)
      await p.goto(`${base}/`);
      await p.evaluate((u) => {
        history.pushState({}, "", new URL(u).pathname);
        dispatchEvent(new PopStateEvent("popstate"));
      }, shareUrl);
      await p.getByRole("heading", { name: "Link unavailable" }).waitFor();
      await shot(p, "desktop-13-shared-revoked-app");
      await anon.close();
    });
    await step("dashboard with history and trends", async () => {
      await page.goto(`${base}/dashboard`);
      await page.getByRole("heading", { name: "Trends across sessions" }).waitFor();
      await shot(page, "desktop-14-dashboard");
    });
    await step("a failed analysis tried again with another person, to a report", async () => {
      // Two people; the one on the right leaves after 18 s of 62. Picked as the boxer, they are seen too little.
      const pick = async (side) => {
        const people = page.getByRole("button", { name: /^Person \d at / });
        await people.first().waitFor({ timeout: 120000 });
        await page.waitForFunction(() => [...document.images].every((i) => i.complete));
        const boxes = [];
        for (const handle of await people.all()) boxes.push({ handle, box: await handle.boundingBox() });
        const firstFrame = boxes.filter((b) => Math.abs(b.box.y - boxes[0].box.y) < 200);
        if (firstFrame.length < 2) fail(`two people expected on the first frame, ${firstFrame.length} found`);
        firstFrame.sort((a, b) => a.box.x - b.box.x);
        await (side === "right" ? firstFrame[firstFrame.length - 1] : firstFrame[0]).handle.click();
        await page.getByText(/You picked person \d/).waitFor();
        await page.getByLabel("Height (cm)").fill("175");
        await page.getByRole("button", { name: "Start the analysis" }).click();
        await page.waitForURL(/\/processing\//);
      };
      await page.goto(`${base}/upload`);
      await page.locator('input[type="file"]').setInputFiles(twoPeople);
      await page.waitForURL(/\/configure\/[^/]+$/, { timeout: 120000 });
      await pick("right");
      await page.getByRole("alert").filter({ hasText: /found in only \d+%/ }).waitFor({ timeout: analysisTimeout });
      await shot(page, "desktop-14b-processing-failed");
      await page.getByRole("button", { name: "Try again" }).click();
      await page.waitForURL(/\/configure\//);
      await shot(page, "desktop-14c-configure-again");
      await pick("left");
      await page.waitForURL(/\/report\//, { timeout: analysisTimeout });
      await page.getByRole("heading", { name: "Round report" }).waitFor({ timeout: 60000 });
      const punches = await page.locator("dl dd").first().innerText();
      log(`retried with the other person: a report with ${punches} punches`);
      await shot(page, "desktop-14d-report-after-retry");
    });
    await step("Korean, with the coaching written again in Korean", async () => {
      await page.goto(`${base}/report/${analysisId}`);
      await page.getByRole("button", { name: "한국어" }).click();
      await page.getByRole("heading", { name: "라운드 리포트" }).waitFor();
      await page.getByText("코칭은 영어로 작성되었습니다.").waitFor();
      await shot(page, "desktop-15-report-ko");
      await page.getByRole("button", { name: "한국어로 다시 쓰기" }).click();
      await page.waitForURL(/\/processing\//);
      await page.waitForURL(/\/report\//, { timeout: analysisTimeout });
      await page.getByRole("heading", { name: "라운드 리포트" }).waitFor();
      const summary = await page.locator('section[aria-labelledby="coaching-title"] [lang="ko"] p').first().textContent();
      if (!/[\uac00-\ud7a3]/.test(summary ?? "")) fail(`the coaching is not in Korean: ${summary}`);
      if ((await page.getByText("코칭은 영어로 작성되었습니다.").count()) > 0) fail("the English-coaching note is still shown");
      await shot(page, "desktop-15b-report-ko-coaching");
      await page.getByRole("button", { name: "English" }).click();
    });
    await step("phone size: every page on a direct load", async () => {
      const state = await desktop.storageState();
      const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, storageState: state });
      const p = await phone.newPage();
      watch(p, "phone");
      const visits = [
        ["01-landing", "/", "See every punch you throw"],
        ["03-dashboard", "/dashboard", "Trends across sessions"],
        ["04-upload", "/upload", "Upload a round"],
        ["05-configure", `/configure/${analysisId}`, "Set up the analysis"],
        ["07-processing", `/processing/${analysisId}`, "Analysing your round"],
        ["08-report", `/report/${analysisId}`, "Round report"],
        ["16-not-found", "/no/such/page", "Page not found"],
      ];
      for (const [name, route, heading] of visits) {
        await p.goto(`${base}${route}`);
        await p.getByRole("heading", { name: heading }).first().waitFor();
        if (route.startsWith("/configure")) await p.getByRole("button", { name: /^Person 1 at / }).first().waitFor();
        if (route.startsWith("/report")) await p.waitForFunction(() => document.querySelector("video")?.readyState >= 2);
        await shot(p, `phone-${name}`);
      }
      await phone.close();
      const anon = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const q = await anon.newPage();
      await q.goto(`${base}/login`);
      await q.getByRole("button", { name: "Continue on this computer" }).waitFor();
      await shot(q, "phone-02-login");
      await q.goto(shareUrl);
      await q.getByText("Link unavailable").first().waitFor();
      await shot(q, "phone-12-shared-revoked");
      await anon.close();
      await page.goto(`${base}/no/such/page`);
      await page.getByRole("heading", { name: "Page not found" }).waitFor();
      await shot(page, "desktop-16-not-found");
    });
    if (consoleErrors.length) log(`browser console errors:\n  ${consoleErrors.join("\n  ")}`);
    log("PASSED");
  } finally {
    await browser.close().catch(() => undefined);
    stopBackend();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`[e2e] FAILED: ${error.stack ?? error}`);
  process.exit(1);
});
