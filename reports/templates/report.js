// authzscan report: filters and the evidence panel. Plain JavaScript, no
// dependency. Everything from the scanned API or its spec is untrusted: it
// reaches the page only through textContent, createTextNode and attribute
// setters, never parsed as HTML (the page's Content-Security-Policy
// enforces it with Trusted Types).
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('authzscan-data').textContent);
  // The evidence block (see loadEvidence): null until inflated; then each
  // cell's details and evidence, each finding's evidence, and the strings
  // they share (s: reasons, rules, header lines, bodies).
  var EV = null, evError = '';
  var VKEY = { b: 'broken', l: 'lockout', i: 'inconclusive', u: 'unknown', p: 'pass' };
  var totalCells = data.cv.length;
  // Each cell's row and column, from its place in the matrix.
  var cellRow = new Int32Array(totalCells), cellCol = new Int32Array(totalCells);
  var VERDICTS = ['broken', 'lockout', 'inconclusive', 'unknown', 'pass'];
  var STYLE = {
    broken: ['v-broken', '\u2717', 'BROKEN'],
    lockout: ['v-lockout', '\u2298', 'LOCKOUT'],
    inconclusive: ['v-inconclusive', '?', 'inconclusive'],
    pass: ['v-pass', '\u2713', 'pass'],
    unknown: ['v-unknown', '\u25cb', 'unknown']
  };

  // ---- small DOM helpers (text only) ----
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function kv(dl, key, value) {
    if (value === undefined || value === null || value === '') return;
    add(dl, el('dt', '', key));
    var dd = add(dl, el('dd'));
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
  }
  function lower(s) { return String(s || '').toLowerCase(); }
  function setHidden(node, hide) { if (node.hidden !== hide) node.hidden = hide; }

  // ---- index of the matrix, built once from the server-rendered table ----
  var table = document.getElementById('matrix');
  var profiles = data.profiles.map(function (name) { return { name: name, lname: lower(name) }; });
  // A tag group is one or more <tbody> chunks; the first holds its heading.
  var groups = [];
  var rows = [];
  var headCells = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(table.tBodies, function (tb) {
    var gi = +tb.getAttribute('data-g');
    if (!groups[gi]) groups[gi] = { chunks: [] };
    var chunk = { el: tb, rows: [] };
    groups[gi].chunks.push(chunk);
    Array.prototype.forEach.call(tb.rows, function (tr) {
      if (!tr.hasAttribute('data-r')) return;
      var ri = +tr.getAttribute('data-r');
      var rd = data.rows[ri];
      var row = {
        el: tr, m: rd.m, tags: rd.tags,
        text: lower([rd.svc || '', rd.m, rd.p, rd.op, rd.sum, rd.tags.join(' '), rd.obj ? rd.obj + "'s object" : ''].join(' ')),
        cells: [], shown: true
      };
      for (var k = 1; k < tr.cells.length; k++) {
        var td = tr.cells[k];
        var btn = td.firstElementChild;
        var ci = btn && btn.hasAttribute('data-c') ? +btn.getAttribute('data-c') : -1;
        if (ci >= 0) { cellRow[ci] = ri; cellCol[ci] = k - 1; }
        row.cells.push({ td: td, ci: ci, p: k - 1, v: ci >= 0 ? VKEY[data.cv.charAt(ci)] : '', on: true, off: false, hid: false });
      }
      chunk.rows.push(row);
      rows.push(row);
    });
  });
  groups = groups.filter(Boolean);

  var findingRows = [];
  var findingsTable = document.getElementById('findings');
  if (findingsTable) {
    Array.prototype.forEach.call(findingsTable.querySelectorAll('tbody > tr[data-f]'), function (tr) {
      var f = data.findings[+tr.getAttribute('data-f')];
      findingRows.push({ el: tr, f: f, text: findingText(f), shown: true });
    });
  }
  var absentRows = [];
  var absentTable = document.getElementById('absent');
  if (absentTable) {
    Array.prototype.forEach.call(absentTable.querySelectorAll('tbody > tr[data-a]'), function (tr) {
      var f = data.absent[+tr.getAttribute('data-a')];
      absentRows.push({ el: tr, f: f, text: findingText(f), shown: true });
    });
  }
  function findingText(f) {
    return lower([f.service || '', f.method, f.path, f.operation, f.profile, f.object, f.kind, f.severity, f.message, f.tags.join(' ')].join(' '));
  }

  // ---- filters ----
  var state = { verdicts: {}, kinds: {}, profiles: {}, method: '', tag: '', terms: [] };
  var verdictBoxes = document.querySelectorAll('input[name="verdict"]');
  var kindBoxes = document.querySelectorAll('input[name="kind"]');
  var profileBoxes = document.querySelectorAll('input[name="profile"]');
  var methodSel = document.getElementById('f-method');
  var tagSel = document.getElementById('f-tag');
  var search = document.getElementById('f-search');
  var statusEl = document.getElementById('f-status');
  var facetEls = {};
  Array.prototype.forEach.call(document.querySelectorAll('[data-fc]'), function (e) { facetEls[e.getAttribute('data-fc')] = e; });

  function readState() {
    state.verdicts = {}; state.kinds = {}; state.profiles = {};
    Array.prototype.forEach.call(verdictBoxes, function (b) { if (b.checked) state.verdicts[b.value] = true; });
    Array.prototype.forEach.call(kindBoxes, function (b) { if (b.checked) state.kinds[b.value] = true; });
    Array.prototype.forEach.call(profileBoxes, function (b) { if (b.checked) state.profiles[b.value] = true; });
    state.method = methodSel.value;
    state.tag = tagSel.value;
    state.terms = lower(search.value).split(/\s+/).filter(Boolean);
  }

  function tagOK(tags) { return !state.tag || tags.indexOf(state.tag) >= 0; }
  function methodOK(m) { return !state.method || m === state.method; }
  function profileOK(pi) { return pi < 0 || state.profiles[String(pi)] === true; }

  function apply() {
    readState();
    var terms = state.terms;
    // For each term, the profiles whose name holds it.
    var profTerm = profiles.map(function (p) { return terms.map(function (t) { return p.lname.indexOf(t) >= 0; }); });
    var colHidden = profiles.map(function (p, i) { return !profileOK(i); });
    for (var h = 0; h < colHidden.length; h++) setHidden(headCells[h + 1], colHidden[h]);

    var vcount = {};
    VERDICTS.forEach(function (v) { vcount[v] = 0; });
    var shownCells = 0, shownRows = 0;
    for (var gi = 0; gi < groups.length; gi++) {
      var chunks = groups[gi].chunks, gshown = 0;
      for (var hi = 0; hi < chunks.length; hi++) {
        var chunk = chunks[hi], cshown = 0;
        for (var ri = 0; ri < chunk.rows.length; ri++) {
          var row = chunk.rows[ri];
          var base = methodOK(row.m) && tagOK(row.tags);
          // Terms the row's own text does not hold must be in the profile name.
          var left = [];
          for (var t = 0; t < terms.length; t++) if (row.text.indexOf(terms[t]) < 0) left.push(t);
          var any = false, empty = true;
          for (var ci = 0; ci < row.cells.length; ci++) {
            var c = row.cells[ci];
            var match = base && !colHidden[c.p];
            for (var l = 0; match && l < left.length; l++) if (!profTerm[c.p][left[l]]) match = false;
            var on = false;
            if (c.ci >= 0) {
              empty = false;
              if (match) { vcount[c.v]++; on = state.verdicts[c.v] === true; }
            }
            if (on) { any = true; shownCells++; }
            c.on = on;
          }
          // A row without any probe stays while nothing filters it out.
          if (empty) any = base && left.length === 0 && VERDICTS.every(function (v) { return state.verdicts[v]; });
          if (row.shown !== any) { row.shown = any; row.el.hidden = !any; }
          // Only a row on screen has its cells brought up to date: a hidden
          // row's are left as they are (c.hid and c.off say how), so a
          // filter touches only what shows, and a reset only what it shows
          // again.
          if (any) {
            for (ci = 0; ci < row.cells.length; ci++) {
              c = row.cells[ci];
              var hid = colHidden[c.p];
              if (c.hid !== hid) { c.hid = hid; c.td.hidden = hid; }
              var off = c.ci >= 0 && !c.on;
              if (c.off !== off) { c.off = off; c.td.classList.toggle('off', off); }
            }
          }
          if (any) { cshown++; shownRows++; }
        }
        chunk.shown = cshown;
        gshown += cshown;
      }
      // The first chunk stays while the group shows a row: it has the heading.
      for (hi = 0; hi < chunks.length; hi++) setHidden(chunks[hi].el, hi === 0 ? gshown === 0 : chunks[hi].shown === 0);
    }
    setHidden(document.getElementById('matrix-empty'), shownRows > 0);
    VERDICTS.forEach(function (v) { if (facetEls['v-' + v]) facetEls['v-' + v].textContent = vcount[v]; });

    var kcount = {};
    var shownFindings = filterFindings(findingRows, kcount);
    filterFindings(absentRows, {});
    Array.prototype.forEach.call(kindBoxes, function (b) {
      var e = facetEls['k-' + b.value];
      if (e) e.textContent = kcount[b.value] || 0;
    });
    var fe = document.getElementById('findings-empty');
    if (fe) setHidden(fe, shownFindings > 0);

    statusEl.textContent = shownCells + ' of ' + totalCells + ' cells in ' + shownRows + ' of ' + rows.length +
      ' rows \u00b7 ' + shownFindings + ' of ' + findingRows.length + ' findings';
  }

  function filterFindings(list, kcount) {
    var shown = 0, perChunk = new Map();
    for (var i = 0; i < list.length; i++) {
      var fr = list[i], f = fr.f;
      var ok = profileOK(f.pi) && methodOK(f.method) && tagOK(f.tags);
      for (var t = 0; ok && t < state.terms.length; t++) if (fr.text.indexOf(state.terms[t]) < 0) ok = false;
      if (ok) kcount[f.kind] = (kcount[f.kind] || 0) + 1;
      ok = ok && state.kinds[f.kind] === true;
      if (fr.shown !== ok) { fr.shown = ok; fr.el.hidden = !ok; }
      if (ok) shown++;
      var tb = fr.el.parentNode;
      perChunk.set(tb, (perChunk.get(tb) || 0) + (ok ? 1 : 0));
    }
    // A chunk with no row shown is hidden, or it would keep its estimated
    // height while out of view.
    perChunk.forEach(function (n, tb) { setHidden(tb, n === 0); });
    return shown;
  }

  var timer = 0;
  search.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 150);
  });
  search.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') { clearTimeout(timer); apply(); }
  });
  document.getElementById('filters').addEventListener('change', function (e) {
    if (e.target !== search) apply();
  });
  document.getElementById('f-reset').addEventListener('click', function () {
    [verdictBoxes, kindBoxes, profileBoxes].forEach(function (list) {
      Array.prototype.forEach.call(list, function (b) { b.checked = true; });
    });
    methodSel.value = ''; tagSel.value = ''; search.value = '';
    clearTimeout(timer);
    apply();
  });

  // ---- the evidence panel ----
  var panel = document.getElementById('detail');
  var panelTitle = document.getElementById('detail-title');
  var panelBody = document.getElementById('detail-body');
  var opener = null, selected = null;

  function objectText(object, profile) {
    if (!object) return '';
    return object === profile ? 'own object (' + object + "'s)" : object + "'s object";
  }

  function headersTable(headers, ES) {
    if (!headers || !headers.length) return el('p', 'note', 'No headers.');
    var t = el('table', 'hdrs');
    var tb = add(t, el('tbody'));
    headers.forEach(function (h) {
      var tr = add(tb, el('tr'));
      add(tr, el('th', '', ES[h[0]]));
      add(tr, el('td', '', ES[h[1]]));
    });
    return t;
  }

  function byteCount(n) { return n === 1 ? '1 byte' : n + ' bytes'; }

  // evidence shows item i of the evidence list ('cells', 'findings' or
  // 'absent'); until the evidence is inflated it says so, and open shows
  // the item again once it is.
  function evidence(body, list, i) {
    if (!EV) {
      if (evError) add(body, el('p', 'note warn', 'The evidence could not be read: ' + evError + '.'));
      else add(body, el('p', 'note pending', 'Reading the evidence\u2026'));
      return;
    }
    var ES = EV.s;
    var ev = list === 'cells' ? EV.cells[i].evidence : EV[list][i];
    if (!ev) {
      var c = list === 'cells' ? EV.cells[i] : null;
      if (c && c.status && VKEY[data.cv.charAt(i)] === 'pass') {
        // scan.evidence sample: a pass keeps its evidence only as its
        // operation's sample.
        add(body, el('p', 'note', 'No evidence kept for this pass: the report keeps the request and answer of every cell that is not a pass and of one pass per operation. Scan with --evidence all (scan.evidence: all) to keep every cell\u2019s.'));
      } else {
        add(body, el('p', 'note', 'No evidence was recorded.'));
      }
      return;
    }
    var rq = ev.request || {};
    add(body, el('h3', '', 'Request'));
    var dl = add(body, el('dl', 'kv'));
    kv(dl, 'Method', rq.method);
    kv(dl, 'URL', rq.url);
    add(body, headersTable(rq.headers, ES));
    if (ES[rq.body]) {
      add(body, el('p', 'note', 'Body' + (rq.cut ? ' (cut to 64 KiB in this page)' : '') + ':'));
      add(body, el('pre', 'req-body', ES[rq.body]));
    }
    add(body, el('h3', '', 'Response'));
    var rs = ev.response, excerpt = '';
    if (rs) {
      var dl2 = add(body, el('dl', 'kv'));
      kv(dl2, 'Status', String(rs.status));
      add(body, headersTable(rs.headers, ES));
      excerpt = ES[rs.body] || '';
      var note = 'Body: ' + byteCount(rs.bytes) + ' read';
      if (rs.truncated || rs.cut || rs.shown) note += '; truncated: the excerpt below is the first ' + byteCount(rs.shown || 0);
      if (rs.truncated && !rs.cut) note += ' (the scanner keeps an excerpt)';
      if (rs.cut) note += ' (cut to 64 KiB in this page)';
      add(body, el('p', rs.truncated ? 'note warn' : 'note', note + '.'));
      if (excerpt) add(body, el('pre', 'resp-body', excerpt));
      else add(body, el('p', 'note', 'Empty body.'));
    } else {
      add(body, el('p', 'note', 'No response.'));
    }
    if (ev.error) kv(add(body, el('dl', 'kv')), 'Error', ev.error);
    if (ev.verification) verification(body, ev.verification, ES, excerpt);
    if (ev.curl) {
      add(body, el('h3', '', 'Reproduce'));
      var pre = add(body, el('pre', 'curl', ev.curl));
      var row = add(body, el('div', 'copyrow'));
      var btn = add(row, el('button', 'copy', 'Copy curl line'));
      btn.type = 'button';
      var msg = add(row, el('span', 'note'));
      msg.setAttribute('role', 'status');
      btn.addEventListener('click', function () { copy(ev.curl, pre, msg); });
      add(body, el('p', 'note', 'Secrets appear as ${VAR} placeholders: export them before running the line.'));
    }
  }

  // readBox is one read a content check compared: a titled column with
  // its status and body excerpt.
  function readBox(parent, title, r, ES) {
    var box = add(parent, el('div', 'vread'));
    add(box, el('h4', '', title));
    if (!r) { add(box, el('p', 'note', 'Not read.')); return; }
    add(box, el('p', 'note', r.status ? 'Status ' + r.status + (r.truncated ? '; truncated excerpt' : '') : 'No answer' + (r.error ? ': ' + r.error : '')));
    var text = ES[r.body] || '';
    if (text) add(box, el('pre', 'resp-body', text));
    else if (r.status) add(box, el('p', 'note', 'Empty body.'));
  }

  // verification shows what a content check read and found, its two
  // sides next to each other.
  function verification(body, v, ES, answer) {
    add(body, el('h3', '', v.check === 'write' ? 'Verification: the object read as its owner' : 'Verification: compared with the reference read'));
    var dl = add(body, el('dl', 'kv'));
    kv(dl, 'Outcome', v.outcome);
    kv(dl, 'Found', v.reason);
    if (v.read) kv(dl, 'Read', v.read);
    if (v.total) kv(dl, 'Fields equal', v.shared + ' of ' + v.total);
    var sides = add(body, el('div', 'vsides'));
    if (v.check === 'write') {
      readBox(sides, 'Before the write', v.before, ES);
      readBox(sides, 'After the write', v.after, ES);
    } else {
      var own = add(sides, el('div', 'vread'));
      add(own, el('h4', '', 'This answer'));
      if (answer) add(own, el('pre', 'resp-body', answer));
      else add(own, el('p', 'note', 'Empty body.'));
      readBox(sides, (v.reference || 'The reference') + '’s answer to the same request', v.ref, ES);
    }
    if (v.changes && v.changes.length) {
      var t = add(body, el('table', 'hdrs vchanges'));
      var hr = add(add(t, el('thead')), el('tr'));
      ['Field', 'Before', 'After'].forEach(function (h) { add(hr, el('th', '', h)); });
      var tb = add(t, el('tbody'));
      v.changes.forEach(function (c) {
        var tr = add(tb, el('tr'));
        add(tr, el('td', '', c[0]));
        add(tr, el('td', '', c[1] || '(absent)'));
        add(tr, el('td', '', c[2] || '(absent)'));
      });
    }
    if (v.ignored && v.ignored.length) add(body, el('p', 'note', 'Ignored as volatile (they change by themselves): ' + v.ignored.join(', ')));
  }

  function copy(text, pre, msg) {
    function selectPre() {
      var range = document.createRange();
      range.selectNodeContents(pre);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }
    function fallback() {
      var ta = el('textarea', 'offscreen');
      ta.value = text;
      ta.setAttribute('readonly', '');
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      ta.remove();
      if (ok) { msg.textContent = 'Copied.'; } else { selectPre(); msg.textContent = 'Selected: press Ctrl+C (\u2318C) to copy.'; }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { msg.textContent = 'Copied.'; }, fallback);
    } else {
      fallback();
    }
  }

  function verdictBadge(v) {
    var st = STYLE[v] || STYLE.unknown;
    return el('span', 'badge ' + st[0], st[1] + ' ' + st[2]);
  }

  function findingList(body, idx) {
    if (!idx || !idx.length) return;
    add(body, el('h3', '', idx.length === 1 ? 'Finding' : 'Findings'));
    var ul = add(body, el('ul', 'flist'));
    idx.forEach(function (i) {
      var f = data.findings[i];
      var li = add(ul, el('li'));
      var b = add(li, el('button', 'sev ' + sevClass(f.severity), f.severity));
      b.type = 'button';
      b.setAttribute('data-f', String(i));
      add(li, document.createTextNode(' ' + f.kind + ': ' + f.message));
    });
  }

  function sevClass(s) {
    return { critical: 'sev-critical', high: 'sev-high', medium: 'sev-medium' }[s] || 'sev-low';
  }

  // specLine is a row's or finding's line in the spec, with its document
  // when the spec is several ("extra.yaml:12").
  function specLine(x) {
    if (!x.line) return '';
    return x.spec ? x.spec + ':' + x.line : String(x.line);
  }

  // showCell shows what the matrix knows of cell i at once, the rest
  // once the evidence block is inflated.
  function showCell(i) {
    var row = data.rows[cellRow[i]];
    var profile = data.profiles[cellCol[i]];
    panelTitle.textContent = (row.svc ? row.svc + ' · ' : '') + row.m + ' ' + row.p;
    var body = el('div');
    var p = add(body, el('p'));
    p.appendChild(verdictBadge(VKEY[data.cv.charAt(i)]));
    var who = 'as ' + profile;
    if (row.obj) who += ' on ' + objectText(row.obj, profile);
    add(p, document.createTextNode(who));
    var dl = add(body, el('dl', 'kv'));
    kv(dl, 'Operation', row.op);
    kv(dl, 'Spec line', specLine(row));
    if (!EV) { evidence(body, 'cells', i); return body; }
    var S = EV.s, c = EV.cells[i];
    kv(dl, 'Status', c.status ? String(c.status) : (c.observed === 'skipped' ? 'not sent' : 'no response'));
    kv(dl, 'Expected', c.expected);
    kv(dl, 'Observed', c.observed);
    kv(dl, 'Expectation rule', S[c.rule]);
    kv(dl, 'Classification', S[c.reason]);
    kv(dl, 'Attempts', String(c.attempts));
    kv(dl, 'Duration', c.duration_ms + ' ms');
    findingList(body, c.findings);
    evidence(body, 'cells', i);
    return body;
  }

  function showFinding(i, absent) {
    var f = absent ? data.absent[i] : data.findings[i];
    panelTitle.textContent = f.method + ' ' + f.path;
    var body = el('div');
    var p = add(body, el('p'));
    add(p, el('span', 'badge ' + sevClass(f.severity), f.severity));
    add(p, document.createTextNode(f.kind + ' \u00b7 confidence ' + f.confidence));
    if (absent) add(body, el('p', 'note warn', 'Fixed since the baseline: this finding of the baseline was not found again. The evidence is the baseline\u2019s.'));
    add(body, el('p', 'msg', f.message));
    var dl = add(body, el('dl', 'kv'));
    kv(dl, 'Operation', f.operation);
    kv(dl, 'Profile', f.profile);
    kv(dl, 'Object', objectText(f.object, f.profile));
    kv(dl, 'Status', f.status ? String(f.status) : '');
    kv(dl, 'Expectation rule', f.rule);
    kv(dl, 'Spec line', specLine(f));
    kv(dl, 'Fingerprint', f.fingerprint);
    kv(dl, 'Baseline', f.baseline);
    if (f.suppression) {
      var s = f.suppression;
      kv(dl, 'Suppressed by', s.rule + (s.reason ? ': ' + s.reason : '') + (s.expires ? ' (until ' + s.expires + ')' : ''));
    }
    if (!absent && f.cell >= 0 && EV) {
      var c = EV.cells[f.cell];
      kv(dl, 'Classification', EV.s[c.reason]);
      kv(dl, 'Attempts', String(c.attempts));
    }
    evidence(body, absent ? 'absent' : 'findings', i);
    return body;
  }

  function render(kind, i) {
    if (kind === 'c') return showCell(i);
    return showFinding(i, kind === 'a');
  }

  function open(kind, i, from) {
    panelBody.replaceChildren(render(kind, i));
    panel.setAttribute('data-kind', kind);
    panel.setAttribute('data-index', String(i));
    if (selected) selected.classList.remove('sel');
    selected = kind === 'c' ? from.closest('td') : from.closest('tr');
    if (selected && !panel.contains(selected)) selected.classList.add('sel'); else selected = null;
    if (!panel.contains(from)) opener = from;
    panel.hidden = false;
    panel.scrollTop = 0;
    panelTitle.focus();
  }

  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    if (selected) { selected.classList.remove('sel'); selected = null; }
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }

  table.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-c]');
    if (b) open('c', +b.getAttribute('data-c'), b);
  });
  function rowClicks(tableEl, attr, kind) {
    if (!tableEl) return;
    tableEl.addEventListener('click', function (e) {
      if (window.getSelection && String(window.getSelection()).length > 0 && !e.target.closest('button')) return;
      var tr = e.target.closest('tr[' + attr + ']');
      if (!tr) return;
      var b = tr.querySelector('button[' + attr + ']');
      open(kind, +tr.getAttribute(attr), b || tr);
    });
  }
  rowClicks(findingsTable, 'data-f', 'f');
  rowClicks(absentTable, 'data-a', 'a');
  panelBody.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-f]');
    if (b) open('f', +b.getAttribute('data-f'), b);
  });
  document.getElementById('detail-close').addEventListener('click', close);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && !panel.hidden) { e.preventDefault(); close(); }
  });

  // ---- the evidence, inflated after the matrix is shown ----
  // data.ev is the evidence block: gzip, base64-encoded. Reading it is
  // left until the first frame is painted, so the page is usable first.
  function evidenceDone(ev, err) {
    EV = ev; evError = err;
    document.documentElement.setAttribute('data-evidence', ev ? '1' : 'error');
    if (!panel.hidden) {
      panelBody.replaceChildren(render(panel.getAttribute('data-kind'), +panel.getAttribute('data-index')));
    }
  }
  function loadEvidence() {
    var b64 = data.ev;
    data.ev = null;
    if (typeof DecompressionStream !== 'function') {
      evidenceDone(null, 'this browser cannot inflate it (no DecompressionStream; any current browser can)');
      return;
    }
    try {
      var bin = atob(b64 || '');
      var bytes = new Uint8Array(bin.length);
      for (var k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
      bin = null;
      new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(JSON.parse).then(function (ev) {
        evidenceDone(ev, '');
      }, function (e) {
        evidenceDone(null, 'it is damaged (' + String(e && e.message || e) + ')');
      });
    } catch (e) {
      evidenceDone(null, 'it is damaged (' + String(e && e.message || e) + ')');
    }
  }

  apply();
  document.documentElement.setAttribute('data-ready', '1');
  requestAnimationFrame(function () { setTimeout(loadEvidence, 0); });
})();
