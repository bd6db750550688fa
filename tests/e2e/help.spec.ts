// /help: the CLI equivalents of the Studio's actions.
import { expect, test } from "@playwright/test";
import { open, screenshots } from "./env";

test("the CLI equivalents table lists the commands", async ({ page }) => {
  await open(page, "/help");
  await expect(page.getByRole("heading", { name: "CLI equivalents", level: 1 })).toBeVisible();
  const table = page.getByRole("table");
  const expected: [string, string][] = [
    ["Runs list", "homeboy runs list [--kind K] [--limit N]"],
    ["Cancel a running run", "homeboy runs cancel <id>"],
    ["+ New run: bench", "homeboy bench <component> [--rig a,b] [--scenario S] [--iterations N] [--runs N] [--baseline]"],
    ["+ New run: task", "homeboy runs submit -- <command>"],
    ["Compare", "homeboy runs bench-compare --from-run A --to-run B"],
    ["Run detail", "homeboy runs show <id>"],
    ["Logs (live tail)", "homeboy runs logs <id> -f"],
    ["Schedules", "homeboy schedule list|add|pause|resume|remove"],
    ["Replay, Promote, Retain", "homeboy runs retain <id> --until 30d"],
  ];
  for (const [studio, cli] of expected) {
    const row = table.getByRole("row").filter({ has: page.getByRole("cell", { name: studio, exact: true }) });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(cli);
  }
  // The navigation marks the page.
  await expect(page.getByRole("link", { name: "CLI equivalents" })).toHaveAttribute("aria-current", "page");
  await screenshots(page, "help");
});
