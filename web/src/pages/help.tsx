// /help: what each Studio action does on the command line (the spec's "CLI
// equivalents" table, with homeboy's commands). Every command here was
// checked against `homeboy <command> --help`.

const ROWS: { studio: string; cli: string[]; note?: string }[] = [
  {
    studio: "Runs list",
    cli: ["homeboy runs list [--kind K] [--limit N]"],
    note: "the filters too: --component C, --rig R, --scenario S, --status S, --since 24h",
  },
  { studio: "Cancel a running run", cli: ["homeboy runs cancel <id>"] },
  {
    studio: "+ New run: bench",
    cli: ["homeboy bench <component> [--rig a,b] [--scenario S] [--iterations N] [--runs N] [--baseline]"],
  },
  { studio: "+ New run: task", cli: ["homeboy runs submit -- <command>"], note: "--cwd, --name, --timeout as in the form" },
  { studio: "Compare", cli: ["homeboy runs bench-compare --from-run A --to-run B"], note: "two runs at a time; --metric M to narrow" },
  { studio: "Run detail", cli: ["homeboy runs show <id>"] },
  { studio: "Logs (live tail)", cli: ["homeboy runs logs <id> -f"] },
  {
    studio: "Schedules",
    cli: ["homeboy schedule list|add|pause|resume|remove"],
    note: "homeboy schedule next --cron \"…\" is the form's cron helper",
  },
  {
    studio: "Replay, Promote, Retain",
    cli: ["homeboy runs replay <id>", "homeboy runs promote <id>", "homeboy runs retain <id> --until 30d"],
  },
];

export function HelpPage(_props: any) {
  return (
    <main class="page">
      <h1>CLI equivalents</h1>
      <p class="muted">
        Everything the Studio does goes through the daemon's API, which calls the same code as these commands; add
        <code> --json</code> to any of them for the payload the API returns.
      </p>
      <table class="help-table">
        <caption class="visually-hidden">Studio actions and the homeboy commands that do the same</caption>
        <thead>
          <tr>
            <th scope="col">Studio</th>
            <th scope="col">CLI</th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((r) => (
            <tr key={r.studio}>
              <td>{r.studio}</td>
              <td>
                {r.cli.map((c) => <code key={c}>{c}</code>)}
                {r.note && <div class="muted help-note">{r.note}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
