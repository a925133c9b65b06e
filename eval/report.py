"""Reports of an evaluation run: the console summary, a self-contained HTML page, and run-to-run comparison.

The HTML page has no external resource: plots are inline SVG drawn with matplotlib's Agg backend.
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from typing import Iterable

# (key in a system summary, label, higher is better)
ANSWER_METRICS: list[tuple[str, str, bool]] = [
    ("answer_accuracy", "accuracy (all items)", True),
    ("answerable_accuracy", "accuracy (answerable)", True),
    ("must_contain_recall", "must_contain recall", True),
    ("conversation_turn_accuracy", "conversation turn accuracy", True),
    ("set_precision", "set precision", True),
    ("set_recall", "set recall", True),
    ("set_f1", "set F1", True),
    ("items_in_text_recall", "gold items named in text", True),
    ("refusal_accuracy", "refusal accuracy (unanswerable)", True),
    ("false_refusal_rate", "false-refusal rate", False),
    ("citation_precision", "citation precision", True),
    ("citation_recall", "citation recall (marked)", True),
    ("citation_support", "citation support (ALCE recall)", True),
    ("faithfulness", "faithfulness", True),
    ("quote_verbatim", "quotes verbatim", True),
    ("cites_evidence_document", "cites an evidence document", True),
]
RETRIEVAL_COLUMNS = ("hit@1", "hit@4", "hit@8", "recall@4", "recall@8", "recall@20", "mrr", "ndcg@10")
TYPE_COLUMNS = ("answer_accuracy", "must_contain_recall", "set_f1", "citation_precision", "citation_recall", "faithfulness")


# ---------------------------------------------------------------------------- helpers


def fmt(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def retrieval_row(summary: dict, name: str | None = None) -> dict:
    return summary.get("retrieval", {}).get(name or summary.get("main_retriever", ""), {})


def systems_of(split: dict) -> list[str]:
    return list(split.get("systems", {}))


COUNTS = ("n_items", "n_questions")
HEADLINE_RETRIEVAL = tuple(f"{m}@{k}" for m in ("hit", "recall") for k in (1, 3, 5, 8, 10, 20)) + ("mrr", "ndcg@10")


def flat_metrics(summary: dict) -> dict[str, float]:
    """The scalars of a system summary (retrieval at the headline cut-offs, latency) as `name -> value`."""
    out = {k: v for k, v in summary.items()
           if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in COUNTS}
    for retriever, values in summary.get("retrieval", {}).items():
        for k in HEADLINE_RETRIEVAL:
            if isinstance(values.get(k), (int, float)):
                out[f"retrieval.{retriever}.{k}"] = values[k]
    for k, v in summary.get("latency", {}).items():
        if isinstance(v, (int, float)) and k != "n":
            out[f"latency.{k}_s"] = v
    return out


def lower_is_better(metric: str) -> bool:
    return metric.startswith("latency.") or metric in ("false_refusal_rate", "errors")


# ---------------------------------------------------------------------------- console


def summary_table(results: dict):
    from rich.table import Table

    table = Table(title=f"baocao eval — {results['meta']['date']}")
    table.add_column("metric")
    columns = [(split, name) for split, data in results["splits"].items() for name in systems_of(data)]
    for split, name in columns:
        table.add_column(f"{results['splits'][split]['label']}\n{name}", justify="right")

    def summary(split, name):
        return results["splits"][split]["systems"][name]["summary"]

    for key, label, _ in ANSWER_METRICS:
        table.add_row(label, *[fmt(summary(s, n).get(key)) for s, n in columns])
    for key in ("hit@4", "recall@8", "mrr", "ndcg@10"):
        table.add_row(f"retrieval {key} (main)", *[fmt(retrieval_row(summary(s, n)).get(key)) for s, n in columns])
    for key in ("p50", "p95"):
        table.add_row(f"latency {key} (s)", *[fmt(summary(s, n)["latency"].get(key), 2) for s, n in columns])
    table.add_row("items / questions", *[f"{summary(s, n)['n_items']} / {summary(s, n)['n_questions']}" for s, n in columns])
    return table


# ---------------------------------------------------------------------------- plots (inline SVG)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "figure.dpi": 96})
    return plt


def _svg(fig) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.find("<svg"):]


def grouped_bars(groups: list[str], series: dict[str, list[float | None]], title: str, ylabel: str) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(groups) + 2), 3.2))
    width = 0.8 / max(1, len(series))
    for n, (name, values) in enumerate(series.items()):
        xs = [i + n * width - 0.4 + width / 2 for i in range(len(groups))]
        ax.bar(xs, [v or 0.0 for v in values], width, label=name)
    ax.set_xticks(range(len(groups)), groups, rotation=35, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _svg(fig)


def retrieval_curves(split: dict) -> str:
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    for name, system in split["systems"].items():
        for retriever, values in system["summary"]["retrieval"].items():
            ks = sorted(int(k.split("@")[1]) for k in values if k.startswith("recall@"))
            label = retriever if name == "baocao" else f"{name}"
            style = "-" if retriever in ("fused", "baseline") else "--"
            axes[0].plot(ks, [values[f"recall@{k}"] for k in ks], style, label=label)
            axes[1].plot(ks, [values[f"hit@{k}"] for k in ks], style, label=label)
    for ax, metric in zip(axes, ("recall@k (share of evidence quotes)", "hit@k")):
        ax.set_xlabel("k")
        ax.set_title(metric)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.axvline(8, color="grey", lw=0.6, ls=":")
        ax.axvline(4, color="grey", lw=0.6, ls=":")
    axes[0].legend(fontsize=8)
    return _svg(fig)


def latency_histogram(split: dict) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3))
    for name, system in split["systems"].items():
        values = [t["latency_s"] for item in system["items"] for t in item["turns"]]
        if values:
            ax.hist(values, bins=30, alpha=0.6, label=f"{name} (p50 {system['summary']['latency']['p50']:.2f} s)")
    ax.set_xlabel("seconds per question")
    ax.set_ylabel("questions")
    ax.set_title("latency")
    ax.legend(fontsize=8)
    return _svg(fig)


def breakdown_plot(split: dict, breakdown: str, title: str) -> str:
    systems = split["systems"]
    groups = sorted({g for s in systems.values() for g in s[breakdown]})
    series = {name: [s[breakdown].get(g, {}).get("answer_accuracy") for g in groups] for name, s in systems.items()}
    labels = [g.replace(".txt", "")[:34] for g in groups]
    return grouped_bars(labels, series, title, "accuracy")


# ---------------------------------------------------------------------------- HTML

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1250px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 7px;vertical-align:top;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3} h2{border-bottom:2px solid #444;padding-bottom:.2em;margin-top:2em}
.bad{color:#b00020;font-weight:600}.ok{color:#137333;font-weight:600}
table.wide{width:100%;table-layout:fixed}td{overflow-wrap:anywhere}
.fail td{font-size:12px}.small{font-size:12px;color:#555}
.rel{background:#e6f4ea}.quote{color:#333;font-style:italic}
details{margin:.4em 0}.plot svg{max-width:100%;height:auto}
#failures tr.row td{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:0;cursor:pointer}
#failures tr.row:hover{background:#f6f8fb}#failures tr.row.open{background:#eef3fb}
#failures th{cursor:pointer;user-select:none}#failures th[data-dir=asc]:after{content:' ▲'}#failures th[data-dir=desc]:after{content:' ▼'}
.controls{display:flex;flex-wrap:wrap;gap:.8em;align-items:center;margin:.5em 0;font-size:13px}
.controls input{width:22em}.detail-grid{display:grid;grid-template-columns:repeat(4,1fr);gap:.8em;font-size:12px}
.detail-grid h4{margin:.2em 0;font-size:12px;color:#555}ul.parts{margin:.3em 0;padding-left:1.2em}
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def html_table(header: list[str] | None, rows: Iterable[list[str]], numeric_from: int = 1,
               widths: list[int] | None = None, cls: str = "") -> str:
    head = "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>" if header else ""
    cols = "<colgroup>" + "".join(f"<col style='width:{w}%'>" for w in widths) + "</colgroup>" if widths else ""
    body = "".join(
        "<tr>" + "".join(f"<td class='n'>{c}</td>" if i >= numeric_from else f"<td>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table class='{cls}'>{cols}{head}{body}</table>"


def meta_section(meta: dict) -> str:
    machine = meta.get("machine", {})
    rows = [
        ["date", esc(meta.get("date"))],
        ["machine", esc(f"{machine.get('cpu')} · {machine.get('cores')} cores · {machine.get('platform')} · Python {machine.get('python')}")],
        ["load average (start → end)", esc(f"{machine.get('load_average_at_start')} → {machine.get('load_average_at_end')}")],
        ["revision", esc(meta.get("revision"))],
        ["settings", esc(json.dumps(meta.get("settings"), ensure_ascii=False))],
        ["index", esc(json.dumps(meta.get("index"), ensure_ascii=False))],
        ["datasets", esc(json.dumps(meta.get("datasets"), ensure_ascii=False))],
        ["timings (s)", esc(json.dumps(meta.get("timings"), ensure_ascii=False))],
        ["LLM judge", esc(meta.get("judge") or "not configured (deterministic metrics only)")],
    ]
    return html_table(None, rows, numeric_from=9, widths=[16, 84], cls="wide")


def summary_section(split: dict) -> str:
    names = systems_of(split)
    rows = []
    for key, label, _ in ANSWER_METRICS:
        rows.append([esc(label), *[fmt(split["systems"][n]["summary"].get(key)) for n in names]])
    for key in RETRIEVAL_COLUMNS:
        rows.append([esc(f"retrieval {key} (main retriever)"),
                     *[fmt(retrieval_row(split["systems"][n]["summary"]).get(key)) for n in names]])
    for key in ("p50", "p95", "max"):
        rows.append([f"latency {key} (s)", *[fmt(split["systems"][n]["summary"]["latency"].get(key), 2) for n in names]])
    rows.append(["items / questions asked", *[f"{split['systems'][n]['summary']['n_items']} / "
                                              f"{split['systems'][n]['summary']['n_questions']}" for n in names]])
    rows.append(["errors", *[fmt(split["systems"][n]["summary"].get("errors")) for n in names]])
    return html_table(["metric", *names], rows)


def retrieval_section(split: dict) -> str:
    rows = []
    for name, system in split["systems"].items():
        for retriever, values in system["summary"]["retrieval"].items():
            rows.append([esc(f"{name}: {retriever}"), *[fmt(values.get(k)) for k in RETRIEVAL_COLUMNS], fmt(values.get("n"))])
    table = html_table(["retriever", *RETRIEVAL_COLUMNS, "n"], rows)
    baocao = split["systems"].get("baocao", {}).get("summary", {})
    check = baocao.get("fusion_check") or {}
    lines = []
    for metric, c in check.items():
        cls, verdict = ("ok", "OK") if c["ok"] else ("bad", "WORSE")
        lines.append(f"<li><span class='{cls}'>{verdict}</span> {esc(metric)}: fused {fmt(c['fused'])} vs best single "
                     f"{esc(c['best_single'])} {fmt(c['best_single_value'])}</li>")
    evidence = baocao.get("evidence_in_index", {})
    note = (f"<p class='small'>Evidence quotes found in baocao's index: exact {fmt(evidence.get('exact'))}, fuzzy only "
            f"{fmt(evidence.get('fuzzy_only'))}, not found {fmt(evidence.get('not_found'))} (of {evidence.get('quotes')}).</p>")
    return table + (f"<p>Fusion vs the best single retriever:</p><ul>{''.join(lines)}</ul>" if lines else "") + note


def breakdown_section(split: dict, breakdown: str) -> str:
    """One table per system: every group with its answer, citation, retrieval and latency metrics."""
    out = []
    for name, system in split["systems"].items():
        main = system["summary"].get("main_retriever", "")
        rows = []
        for group, s in sorted(system[breakdown].items()):
            main_retrieval = s.get("retrieval", {}).get(main, {})
            rows.append([esc(group), fmt(s.get("n_items")), *[fmt(s.get(c)) for c in TYPE_COLUMNS],
                         fmt(main_retrieval.get("recall@8")), fmt(s.get("latency", {}).get("p50"), 2)])
        header = ["group", "n", *TYPE_COLUMNS, f"{main} recall@8", "p50 s"]
        out.append(f"<p><b>{esc(name)}</b></p>" + html_table(header, rows))
    return "".join(out)


def _citations_html(turn: dict) -> str:
    parts = []
    for c in turn["citations"]:
        flag = "" if c["quote_verbatim"] else " <span class='bad'>(quote not verbatim)</span>"
        parts.append(f"[{c['marker']}] {esc(c['document'])} · {esc(c['section'])}{flag}<br>"
                     f"<span class='quote'>«{esc(c['quote'][:300])}»</span>")
    return "<br>".join(parts) or "–"


def _retrieved_html(item: dict) -> str:
    parts = []
    for r in item.get("retrieved", []):
        cls = " class='rel'" if r["relevant"] else ""
        mark = f" ✔ quotes {r['relevant']}" if r["relevant"] else ""
        parts.append(f"<div{cls}>{r['rank']}. {esc(r['document'])} · {esc(r['section'])}{esc(mark)}<br>"
                     f"<span class='small'>{esc(r['snippet'][:160])}…</span></div>")
    return "".join(parts) or "–"


def _details_html(item: dict) -> str:
    """Everything about one wrong item: gold, what came back per turn, citations, parts, retrieval."""
    got, expected_missing = [], []
    for t in item["turns"]:
        prefix = f"<b>{esc(t['question'])}</b><br>" if len(item["turns"]) > 1 else ""
        state = "" if t["grounded"] else " <span class='bad'>(refused)</span>"
        error = f"<br><span class='bad'>{esc(t['error'])}</span>" if t.get("error") else ""
        unsupported = (f"<br><span class='small'>facts in no cited passage: {esc(', '.join(t['unsupported_facts'][:8]))}</span>"
                       if t["unsupported_facts"] else "")
        got.append(f"{prefix}{esc(t['answer'])}{state}{error}{unsupported}")
        expected_missing += t["must_missing"]
    missing = f"<br><span class='bad'>missing: {esc(' | '.join(expected_missing))}</span>" if expected_missing else ""
    if item.get("set_scores") and item["set_scores"]["missing"]:
        missing += f"<br><span class='small'>items missing: {esc(', '.join(item['set_scores']['missing']))}</span>"
    parts = ""
    if item.get("parts"):
        parts = "<ul class='parts'>" + "".join(
            f"<li><span class='{'ok' if p['correct'] else 'bad'}'>{'✔' if p['correct'] else '✘'}</span> "
            f"{esc(p['question'])}{'' if p['answerable'] else ' <i>(must be refused)</i>'}"
            f"{(' — missing: ' + esc(' | '.join(p['missing']))) if p['missing'] else ''}</li>" for p in item["parts"]) + "</ul>"
    cells = [
        ("expected", f"{esc(item['gold_answer'])}{missing}{parts}"),
        ("got", "<hr>".join(got)),
        ("cited passages", "<hr>".join(_citations_html(t) for t in item["turns"])),
        ("retrieved (top 5, ✔ = holds evidence)", _retrieved_html(item)),
    ]
    return "<div class='detail-grid'>" + "".join(f"<div><h4>{esc(h)}</h4>{c}</div>" for h, c in cells) + "</div>"


def failure_records(results: dict) -> list[dict]:
    """One record per wrong item, per split and system: what the filterable table shows."""
    records = []
    for split_name, split in results["splits"].items():
        for system, data in split["systems"].items():
            for item in data["items"]:
                if item["correct"]:
                    continue
                last = item["turns"][-1] if item["turns"] else {}
                missing = [m for t in item["turns"] for m in t["must_missing"]]
                records.append({
                    "split": split.get("label", split_name), "system": system, "id": item["id"], "type": item["type"],
                    "documents": item.get("documents") or [], "question": item["question"],
                    "got": ("(refused) " if last and not last.get("grounded") else "") + (last.get("answer") or ""),
                    "missing": " | ".join(missing), "details": _details_html(item),
                })
    return records


FAILURES_JS = """
(function(){
  var table=document.getElementById('failures'); if(!table) return;
  var body=table.tBodies[0], controls=document.getElementById('failure-controls');
  var rows=Array.prototype.slice.call(body.querySelectorAll('tr.row'));
  function detail(r){return r.nextElementSibling;}
  function apply(){
    var q=document.getElementById('f-search').value.toLowerCase(), shown=0;
    var sel={}; controls.querySelectorAll('select').forEach(function(s){sel[s.dataset.key]=s.value;});
    rows.forEach(function(r){
      var ok=(!q||r.dataset.text.indexOf(q)>=0);
      Object.keys(sel).forEach(function(k){ if(sel[k]&&(r.dataset[k]||'').split('\\n').indexOf(sel[k])<0) ok=false; });
      r.hidden=!ok; if(!ok) detail(r).hidden=true; if(ok) shown++;
    });
    document.getElementById('f-count').textContent=shown+' of '+rows.length+' wrong items shown';
  }
  controls.addEventListener('input',apply); controls.addEventListener('change',apply);
  body.addEventListener('click',function(e){
    var r=e.target.closest('tr.row'); if(!r) return;
    var d=detail(r); d.hidden=!d.hidden; r.classList.toggle('open',!d.hidden);
  });
  table.tHead.addEventListener('click',function(e){
    var th=e.target.closest('th'); if(!th) return;
    var col=th.cellIndex, dir=th.dataset.dir==='asc'?'desc':'asc';
    table.tHead.querySelectorAll('th').forEach(function(h){h.removeAttribute('data-dir');}); th.dataset.dir=dir;
    rows.sort(function(a,b){
      var x=a.cells[col].dataset.sort||a.cells[col].textContent, y=b.cells[col].dataset.sort||b.cells[col].textContent;
      return (dir==='asc'?1:-1)*x.localeCompare(y,'vi',{numeric:true});
    });
    rows.forEach(function(r){var d=detail(r); body.appendChild(r); body.appendChild(d);});
  });
  apply();
})();
"""


def _options(values: Iterable[str], key: str, label: str) -> str:
    opts = "".join(f"<option value='{esc(v)}'>{esc(v)}</option>" for v in sorted(set(values)))
    return f"<label>{esc(label)} <select data-key='{key}'><option value=''>all</option>{opts}</select></label>"


def failures_table(results: dict) -> str:
    """Every wrong item of every split in one table: filter by split, system, type, document; search; sort
    by any column; one line per item, the details on click."""
    records = failure_records(results)
    if not records:
        return "<p>No wrong item.</p>"
    controls = (
        "<div id='failure-controls' class='controls'>"
        "<label>search <input id='f-search' type='search' placeholder='id, question, answer, document…'></label>"
        + _options((r["split"] for r in records), "split", "split")
        + _options((r["system"] for r in records), "system", "system")
        + _options((r["type"] for r in records), "type", "type")
        + _options((d for r in records for d in r["documents"]), "documents", "document")
        + "<span id='f-count' class='small'></span></div>"
    )
    head = "".join(f"<th title='sort'>{h}</th>" for h in ("split", "system", "id", "type", "document(s)", "question",
                                                           "got", "missing"))
    body = []
    for r in records:
        text = " ".join([r["id"], r["type"], r["question"], r["got"], r["missing"], *r["documents"]]).lower()
        docs = "\n".join(r["documents"])
        body.append(
            f"<tr class='row' data-split='{esc(r['split'])}' data-system='{esc(r['system'])}' data-type='{esc(r['type'])}' "
            f"data-documents='{esc(docs)}' data-text='{esc(text)}'>"
            f"<td>{esc(r['split'])}</td><td>{esc(r['system'])}</td><td>{esc(r['id'])}</td><td>{esc(r['type'])}</td>"
            f"<td title='{esc(', '.join(r['documents']))}'>{esc(', '.join(d[:28] for d in r['documents']))}</td>"
            f"<td title='{esc(r['question'])}'>{esc(r['question'])}</td><td title='{esc(r['got'][:400])}'>{esc(r['got'][:300])}</td>"
            f"<td>{esc(r['missing'])}</td></tr>"
            f"<tr class='detail' hidden><td colspan='8'>{r['details']}</td></tr>"
        )
    return (f"{controls}<table id='failures' class='wide fail'><colgroup><col style='width:9%'><col style='width:5%'>"
            "<col style='width:5%'><col style='width:8%'><col style='width:12%'><col style='width:25%'><col style='width:26%'>"
            f"<col style='width:10%'></colgroup><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<script>{FAILURES_JS}</script>")


def wrong_counts(split: dict) -> str:
    return ", ".join(f"{name} {sum(not i['correct'] for i in data['items'])}/{len(data['items'])}"
                     for name, data in split["systems"].items())


def split_section(name: str, split: dict) -> str:
    label = split["label"]
    excluded = split.get("excluded") or []
    note = (f"<p class='small'>{len(excluded)} item(s) of the corpus are left out of this by-document view: their documents "
            f"sit on both sides ({esc(', '.join(excluded))}).</p>") if excluded else ""
    return "".join([
        f"<h2 id='split-{esc(name)}'>{esc(label)} ({esc(name)})</h2>", note,
        "<h3>Summary</h3>", summary_section(split),
        "<h3>Retrieval</h3>", retrieval_section(split),
        f"<div class='plot'>{retrieval_curves(split)}</div>",
        "<h3>By type</h3>", f"<div class='plot'>{breakdown_plot(split, 'by_type', f'{label}: accuracy by type')}</div>",
        breakdown_section(split, "by_type"),
        "<h3>By document (items citing it)</h3>",
        f"<div class='plot'>{breakdown_plot(split, 'by_document', f'{label}: accuracy by document')}</div>",
        breakdown_section(split, "by_document"),
        "<h3>Latency</h3>", f"<div class='plot'>{latency_histogram(split)}</div>",
        f"<p class='small'>Wrong items: {wrong_counts(split)} "
        "— see the failure table at the end (filter by this split).</p>",
    ])


def overview_section(results: dict) -> str:
    """The headline numbers of every split side by side (baocao)."""
    keys = [("answer_accuracy", "accuracy"), ("part_accuracy", "parts answered/refused"), ("refusal_accuracy", "refusal acc."),
            ("false_refusal_rate", "false refusals"), ("set_f1", "set F1"), ("citation_precision", "cit. precision"),
            ("citation_recall", "cit. recall"), ("quote_verbatim", "quotes verbatim")]
    rows = []
    for name, split in results["splits"].items():
        summary = split["systems"].get("baocao", {}).get("summary")
        if not summary:
            continue
        r = retrieval_row(summary)
        rows.append([f"<a href='#split-{esc(name)}'>{esc(split['label'])}</a>", fmt(summary.get("n_items")),
                     *[fmt(summary.get(k)) for k, _ in keys], fmt(r.get("recall@8")), fmt(r.get("mrr")),
                     fmt(summary["latency"].get("p50"), 2)])
    return html_table(["split", "items", *[l for _, l in keys], "recall@8", "MRR", "p50 s"], rows)


def render_html(results: dict) -> str:
    sections = "".join(split_section(name, split) for name, split in results["splits"].items())
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>baocao eval</title>"
        f"<style>{CSS}</style></head><body><h1>baocao eval</h1>"
        "<p class='small'>Deterministic metrics (see eval/README.md). Every corpus and split is reported apart; "
        "the baseline is the textbook LangChain RAG answered by the same extractive generator (sample corpus only).</p>"
        f"{meta_section(results['meta'])}<h2>Overview (baocao)</h2>{overview_section(results)}{sections}"
        f"<h2 id='failures-section'>Failures</h2>{failures_table(results)}</body></html>"
    )


def write_html(results: dict, path: Path) -> None:
    Path(path).write_text(render_html(results), encoding="utf-8")


# ---------------------------------------------------------------------------- compare


def load_results(path: Path | str) -> dict:
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _arrow(metric: str, delta: float) -> str:
    if abs(delta) < 1e-9:
        return " "
    better = (delta < 0) if lower_is_better(metric) else (delta > 0)
    return "▲" if better else "▼"


def compare_systems(name: str, a: dict, b: dict) -> list[str]:
    lines = [f"  {name}"]
    counts = [(a["summary"].get(c), b["summary"].get(c)) for c in COUNTS]
    if any(x != y for x, y in counts):
        lines.append(f"    note: different item sets ({counts[0][0]} vs {counts[0][1]} items): compare with care")
    fa, fb = flat_metrics(a["summary"]), flat_metrics(b["summary"])
    for metric in [m for m in fa if m in fb]:
        delta = fb[metric] - fa[metric]
        if abs(delta) >= 1e-9:
            lines.append(f"    {_arrow(metric, delta)} {metric:42s} {fa[metric]:8.3f} → {fb[metric]:8.3f} ({delta:+.3f})")
    if not any(line.startswith("    ▲") or line.startswith("    ▼") for line in lines):
        lines.append("    no metric changed")
    for t in sorted(set(a["by_type"]) & set(b["by_type"])):
        va, vb = a["by_type"][t].get("answer_accuracy"), b["by_type"][t].get("answer_accuracy")
        if va is not None and vb is not None and abs(vb - va) >= 1e-9:
            lines.append(f"    {_arrow('x', vb - va)} accuracy[{t}] {va:.3f} → {vb:.3f}")
    items_a = {i["id"]: i for i in a["items"]}
    items_b = {i["id"]: i for i in b["items"]}
    common = [i for i in items_a if i in items_b]
    fixed = [i for i in common if not items_a[i]["correct"] and items_b[i]["correct"]]
    broken = [i for i in common if items_a[i]["correct"] and not items_b[i]["correct"]]
    lines.append(f"    questions now right ({len(fixed)}): {', '.join(fixed) or '–'}")
    lines.append(f"    questions now wrong ({len(broken)}): {', '.join(broken) or '–'}")
    for i in broken:
        lines.append(f"      {i} [{items_b[i]['type']}] {items_b[i]['question'][:90]}")
        lines.append(f"         was: {items_a[i]['turns'][-1]['answer'][:140]!r}")
        lines.append(f"         now: {items_b[i]['turns'][-1]['answer'][:140]!r}")
    only = sorted(set(items_a) ^ set(items_b))
    if only:
        lines.append(f"    items in one run only: {', '.join(only)}")
    return lines


def compare_runs(path_a: Path | str, path_b: Path | str) -> str:
    a, b = load_results(path_a), load_results(path_b)
    lines = [f"A: {path_a} ({a['meta']['date']}, {a['meta'].get('revision') or '?'})",
             f"B: {path_b} ({b['meta']['date']}, {b['meta'].get('revision') or '?'})",
             "▲ better in B, ▼ worse in B"]
    for split in [s for s in a["splits"] if s in b["splits"]]:
        lines.append(f"\n{a['splits'][split]['label']} split ({split})")
        for name in [n for n in a["splits"][split]["systems"] if n in b["splits"][split]["systems"]]:
            lines += compare_systems(name, a["splits"][split]["systems"][name], b["splits"][split]["systems"][name])
    return "\n".join(lines)
