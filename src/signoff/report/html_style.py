"""The HTML report's style sheet, inline in the page: a full-width verdict banner, then
tables that turn into one card per row on a narrow screen."""

from __future__ import annotations

CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff;
overflow-wrap:anywhere}
.verdict{color:#fff;margin:0;padding:1.1em max(1em,calc((100% - 1100px)/2 + 1em))}
.verdict.pass{background:#1a7f37}.verdict.fail{background:#cf222e}
.verdict.inconclusive{background:#9a6700}
.verdict h1{margin:0;font-size:1.9em;line-height:1.2}
.verdict .why{font-size:1.1em;margin:.4em 0 0;max-width:60em}
.verdict .meta{margin:.5em 0 0;font-size:.9em;opacity:.92}
.verdict code{color:#fff}
main{max-width:1100px;margin:0 auto;padding:0 1em 2em}
h2{margin:1.5em 0 .4em;padding-bottom:.2em;border-bottom:1px solid #d0d7de;font-size:1.3em}
h4{margin:.8em 0 .2em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:14px}
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa}td{overflow-wrap:anywhere}
tr.fail td{background:#fff1f0}tr.inconclusive td{background:#fff8e1}
a{color:#0969da}code{font-size:13px}small{color:#59636e}
.verdict small{color:#fff}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:0 .4em;font-weight:600;
font-size:.85em;white-space:nowrap}
.badge.pass{background:#1a7f37}.badge.fail{background:#cf222e}
.badge.inconclusive{background:#9a6700}.badge.waived{background:#57606a}
section.layer>details{border:1px solid #d0d7de;border-radius:6px;margin:.5em 0;padding:0 .8em}
section.layer>details[open]{padding-bottom:.6em}
section.layer>details>summary{cursor:pointer;padding:.5em 0}
details details{margin:.4em 0}details details>summary{cursor:pointer;color:#0969da}
ul.failed,ul.reasons{padding-left:1.2em}ul.failed li{margin:.3em 0}
figure{margin:.6em 0}svg,img{max-width:100%;height:auto}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,480px),1fr));gap:0 1em}
.plots:empty{display:none}
@media (max-width:640px){
body{font-size:14px}.verdict h1{font-size:1.5em}
thead{display:none}table,tbody,tr,td{display:block;width:100%}
tr{border:1px solid #d0d7de;border-radius:6px;margin-bottom:.6em}
td{border:none;border-bottom:1px solid #eaeef2}td:last-child{border-bottom:none}
td::before{content:attr(data-label) ": ";font-weight:600;color:#59636e}
table.layers td{display:inline-block;width:auto;border:none;padding:.3em .4em}
table.layers td:nth-child(4){display:block;width:100%;border-top:1px solid #eaeef2;
border-bottom:1px solid #eaeef2}
table.layers td:nth-child(-n+4)::before{content:none}
}
"""
