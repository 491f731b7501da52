/** report.html's whole stylesheet: inline, so the page needs nothing but itself. */
export const REPORT_CSS = `
:root { color-scheme: light; --text: #1f2937; --muted: #4b5563; --line: #e5e7eb; --drop: #c62828; --gain: #2e7d32; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1360px; padding: 24px 32px 64px; color: var(--text);
  font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; background: #fff; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid var(--line); padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-bottom: 0.3em; }
p.lede { color: var(--muted); margin-top: 0; }
.notes { background: #fff8e1; border: 1px solid #f0d58c; padding: 8px 14px; border-radius: 6px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.86em; margin: 0.6em 0; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
th:first-child, td:first-child, td.text { text-align: left; }
td.wrap { white-space: normal; min-width: 9em; }
th.text { text-align: left; }
tr.baseline td { background: #f9fafb; font-weight: 600; }
.drop { color: var(--drop); font-weight: 700; }
.gain { color: var(--gain); font-weight: 700; }
.small { color: var(--muted); font-size: 0.88em; }
figure { margin: 1.4em 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 0 24px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 0.9em; margin-top: 0.3em; }
details summary { cursor: pointer; color: var(--muted); margin: 0.4em 0; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 10px 12px; overflow-x: auto; font-size: 0.85em; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
`;
