/* Clause-level search over _static/policy-search-index.js (written by search_index.py).
 *
 * Queries are tokenised like the index was (tooling/matching/tokenize.py): the same regular
 * expressions, stop words and stemmer (Sphinx's Snowball English), jieba's segmentation over
 * the shipped part of its dictionary, character bigrams, pinyin, CC-CEDICT glosses. Ranking is BM25
 * over whichever terms match, so a whole question is never empty because one word is missing.
 * A query that is a citation (the copy-citation text, 《标题》第4.3条, 第4.3条, SALES 4.2, 第十二条, §3.1)
 * jumps to the clause, by the rules of tooling/citations.py read_citation and Catalog.cited.
 * Everything is built with textContent: queries and FAQ texts are shown, never executed.
 */
(function () {
  "use strict";
  var INDEX = window.POLICY_SEARCH_INDEX;
  if (!INDEX) { return; }
  var T = INDEX.tokenizer;
  var POLICY = Object.create(null);
  INDEX.policies.forEach(function (p) { POLICY[p.id] = p; });
  INDEX.docs.forEach(function (d) {  /* search_index.to_js left out what the policy entry says */
    var p = d.policy && POLICY[d.policy];
    if (!p) { return; }
    if (d.policy_title === undefined) { d.policy_title = p.title; }
    if (d.version === undefined) { d.version = p.version; }
  });
  var TERMS = INDEX.terms;
  var own = function (obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); };
  var has = function (term) { return own(TERMS, term); };
  var runRe = new RegExp(T.run, "g");
  var cjkRe = new RegExp(T.cjk);
  var fillerRe = new RegExp(T.filler, "gi");
  var signoffRe = new RegExp(T.signoff, "g");
  var initialsRe = new RegExp(T.initials);
  var pinyinRe = new RegExp(T.pinyin_re);
  var zhStop = new Set(T.zh_stop);
  var enStop = new Set(T.en_stop);
  var stemmer = typeof EnglishStemmer === "function" ? new EnglishStemmer() : null;
  var stemCache = Object.create(null);

  function normalize(text) {
    var out = "";
    for (var ch of String(text).normalize("NFKC")) { out += T.t2s[ch] || ch; }
    return out.toLowerCase().replace(/\s+/g, " ").trim();
  }

  function stripFiller(text) {
    var body = text.trim().replace(signoffRe, " ").replace(fillerRe, " ");
    return /[\p{L}\p{N}_]/u.test(body) ? body : text;
  }

  function stem(word) {
    if (own(T.stems, word)) { return T.stems[word]; }  /* Python's stem of a word the site uses */
    if (!stemmer) { return word; }
    if (!(word in stemCache)) { stemCache[word] = stemmer.stemWord(word); }
    return stemCache[word];
  }

  /* jieba.lcut_for_search(run, HMM=False) over the shipped part of jieba's dictionary: the most
     probable path through the DAG of dictionary words, then 2- and 3-character sub-words. */
  var LEX = T.lexicon;  /* word -> frequency, or [frequency, "gloss tokens"] */
  var jiebaMax = Object.keys(LEX).reduce(function (m, w) { return Math.max(m, w.length); }, 1);
  var logTotal = Math.log(T.jieba_total);
  var freq = function (w) { return !own(LEX, w) ? 0 : (typeof LEX[w] === "number" ? LEX[w] : LEX[w][0]); };
  var glosses = function (w) { return own(LEX, w) && typeof LEX[w] !== "number" ? LEX[w][1].split(" ") : []; };

  function jiebaWords(run) {
    var n = run.length, route = new Array(n + 1), i, j;
    route[n] = [0, 0];
    for (i = n - 1; i >= 0; i--) {
      var options = [];
      for (j = i + 1; j < Math.min(n, i + jiebaMax); j++) {
        if (freq(run.substring(i, j + 1))) { options.push(j); }
      }
      if (freq(run.charAt(i)) || !options.length) { options.unshift(i); }
      var best = null;
      options.forEach(function (x) {
        var lp = Math.log(freq(run.substring(i, x + 1)) || 1) - logTotal + route[x + 1][0];
        if (best === null || lp > best[0] || (lp === best[0] && x > best[1])) { best = [lp, x]; }
      });
      route[i] = best;
    }
    var words = [];
    for (i = 0; i < n; i = route[i][1] + 1) {
      var word = run.substring(i, route[i][1] + 1);
      for (var size = 2; size <= 3; size++) {
        if (word.length <= size) { continue; }
        for (var k = 0; k + size <= word.length; k++) {
          if (freq(word.substr(k, size))) { words.push(word.substr(k, size)); }
        }
      }
      words.push(word);
    }
    return words;
  }

  function pinyinOf(word, full) {
    if (!T.pinyin || word.length < 2 || word.length > 4) { return []; }
    var parts = [];
    for (var ch of word) {
      var syllable = T.pinyin_chars[ch];
      if (!syllable) { return []; }
      parts.push(syllable);
    }
    var out = ["py:" + parts.join("")];
    if (full) { out.push("pi:" + parts.map(function (s) { return s.charAt(0); }).join("")); }
    return out;
  }

  /* tooling.matching.tokenize.token_groups(query, initials=False): a word with its pinyin and
     glosses, a bigram with its pinyin, an English stem with the pinyin it may be. */
  function groups(text) {
    var out = [];
    var body = stripFiller(normalize(text));
    var match;
    runRe.lastIndex = 0;
    while ((match = runRe.exec(body)) !== null) {
      var run = match[0];
      if (cjkRe.test(run.charAt(0))) {
        jiebaWords(run).forEach(function (word) {
          if (zhStop.has(word)) { return; }
          var group = [word];
          if (word.length > 1) { group.push.apply(group, pinyinOf(word, false)); }
          out.push(group.concat(glosses(word)));
        });
        for (var i = 0; i + 2 <= run.length; i++) {
          var bigram = run.substr(i, 2);
          if (!zhStop.has(bigram)) { out.push([bigram].concat(pinyinOf(bigram, false))); }
        }
      } else if (/[0-9]/.test(run.charAt(0))) {
        out.push([run]);
      } else {
        var word = run.replace(/\u2019/g, "'").split("'")[0];
        if (enStop.has(word) || word.length < 2) { continue; }
        var group = [stem(word)];
        if (T.pinyin && initialsRe.test(word)) { group.push("pi:" + word); }
        else if (T.pinyin && word.length >= 4 && pinyinRe.test(word)) { group.push("py:" + word); }
        out.push(group);
      }
    }
    return out;
  }

  function tokenize(text) {
    return [].concat.apply([], groups(text));
  }

  /* search_index.encode_postings, decoded on first use: [doc, tf, doc, tf, ...]. */
  var decoded = Object.create(null);
  function postings(term) {
    if (decoded[term]) { return decoded[term]; }
    var codes = TERMS[term], out = [], doc = -1;
    for (var i = 0; i < codes.length; i++) {
      doc += Math.floor(codes[i] / 4);
      var tf = codes[i] % 4;
      if (tf === 0) { tf = codes[++i]; }
      out.push(doc, tf);
    }
    decoded[term] = out;
    return out;
  }

  /* BM25 (bm25s's idf and saturation) over the query's groups, as MatchIndex.lexical_scores:
     each group adds its best term per document (a term already counted is not counted again);
     ``total`` is the plain sum over the distinct terms, the coverage behind ``confidence``. */
  function rank(groupsOrTokens, limit) {
    var n = INDEX.docs.length;
    var scores = new Float64Array(n), total = new Float64Array(n), best = new Float64Array(n);
    var seen = new Set();
    groupsOrTokens.forEach(function (group) {
      var touched = [];
      (typeof group === "string" ? [group] : group).forEach(function (term) {
        if (seen.has(term) || !has(term)) { return; }
        seen.add(term);
        var post = postings(term);
        var df = post.length / 2;
        var idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        for (var j = 0; j < post.length; j += 2) {
          var d = post[j], tf = post[j + 1];
          var norm = INDEX.k1 * (1 - INDEX.b + INDEX.b * INDEX.lengths[d] / INDEX.avgdl);
          var s = idf * tf * (INDEX.k1 + 1) / (tf + norm);
          total[d] += s;
          if (best[d] === 0) { touched.push(d); }
          if (s > best[d]) { best[d] = s; }
        }
      });
      touched.forEach(function (d) { scores[d] += best[d]; best[d] = 0; });
    });
    var hits = [];
    for (var d = 0; d < n; d++) {
      if (scores[d] > 0) { scores[d] *= INDEX.docs[d].weight || 1; hits.push(d); }
    }
    hits.sort(function (a, b) { return scores[b] - scores[a] || a - b; });
    return hits.slice(0, limit || 20).map(function (d) {
      return { doc: INDEX.docs[d], score: scores[d], total: total[d] * (INDEX.docs[d].weight || 1) };
    });
  }

  /* The matcher's coverage (answer.py): best score over the best any document could reach,
     counting terms the index never saw at half the largest idf. */
  function confidence(tokens, best) {
    var n = INDEX.docs.length, ceiling = 0, seen = new Set();
    var maxIdf = Math.log(1 + (n - 1 + 0.5) / 1.5);
    tokens.forEach(function (term) {
      if (seen.has(term)) { return; }
      seen.add(term);
      var df = has(term) ? postings(term).length / 2 : 0;
      ceiling += df ? Math.log(1 + (n - df + 0.5) / (df + 0.5)) : 0.5 * maxIdf;
    });
    ceiling *= INDEX.k1 + 1;
    return ceiling > 0 ? best / ceiling : 0;
  }

  /* --- citations: tooling/citations.py read_citation + tooling/catalog.py Catalog.cited -------
     The same regular expressions and rules, so a citation names the same clauses on the site as
     in `policy answer` (both run tests/fixtures/citation_cases.json). */
  var DIGITS = { "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
                 "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
                 "九": 9, "玖": 9 };
  var UNITS = { "十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10000 };
  var N = "[0-9" + Object.keys(DIGITS).join("") + Object.keys(UNITS).join("") + "]+";
  var CITED_NUMBER = "(?:第?\\d+(?:\\.\\d+)+条|第?" + N + "条(?:之" + N + ")?(?:第" + N + "款)?(?:第?\\(" + N +
    "\\)项?)?|\\d+(?:\\.\\d+)*(?:-\\d+)?(?:\\(" + N + "\\))?)";
  var citedRe = new RegExp("^([^\\n]*?)\\s*(?:§+|article|art\\.?|section|sec\\.|clause)?\\s*(" + CITED_NUMBER +
    ")(?:\\s*\\([^()]*\\))?\\s*$", "i");
  var urlAnchorRe = /https?:\/\/\S*#([\p{L}\p{N}_-]+)/u;
  var urlRe = /https?:\/\/\S+/g;
  var titleNoiseRe = /[《》"“”「」『』]|的$/g;
  var arabicRe = new RegExp("^(\\d+(?:\\.\\d+)*(?:-\\d+)?)(?:\\((" + N + ")\\))?$");
  var chineseRe = new RegExp("^第?(" + N + ")条(?:之(" + N + "))?(?:第(" + N + ")款)?(?:第?\\((" + N + ")\\)项?)?$" +
    "|^(" + N + ")条$");
  var BY_ANCHOR = Object.create(null);  /* Catalog.clause_by_anchor: the first clause with it */
  INDEX.docs.forEach(function (d) {
    var anchor = d.kind === "clause" ? d.url.split("#")[1] : "";
    if (anchor && !BY_ANCHOR[anchor]) { BY_ANCHOR[anchor] = d; }
  });

  function cnToInt(text) {  /* tooling/numerals.py cn_to_int; null where it raises */
    var chars = Array.from(text.trim()), total = 0, section = 0, digit = null, last = Infinity;
    if (!chars.length) { return null; }
    if (/^\d+$/.test(text.trim())) { return parseInt(text, 10); }
    if (chars.some(function (c) { return !own(DIGITS, c) && !own(UNITS, c); })) { return null; }
    if (!chars.some(function (c) { return own(UNITS, c); })) {
      return parseInt(chars.map(function (c) { return DIGITS[c]; }).join(""), 10);
    }
    for (var i = 0; i < chars.length; i++) {
      var c = chars[i];
      if (own(DIGITS, c)) {
        if (digit !== null && DIGITS[c] !== 0) { return null; }  /* two digits in a row */
        digit = DIGITS[c] !== 0 ? DIGITS[c] : null;
        continue;
      }
      var unit = UNITS[c];
      if (unit === 10000) { total += (section + (digit || 0)) * unit; section = 0; digit = null; last = Infinity; continue; }
      if (unit >= last) { return null; }  /* units out of order */
      section += (digit !== null ? digit : 1) * unit;
      digit = null;
      last = unit;
    }
    return total + section + (digit || 0);
  }

  function canonicalNumber(written) {  /* tooling/citations.py normalize_number; null: not a number */
    var text = written.normalize("NFKC").trim()
      .replace(/^(?:§+|Art(?:icle)?\.?|Section|Sec\.|Clause)\s*/i, "").replace(/\s+/g, "");
    if (!text) { return null; }
    text = text.replace(/^第?(\d+(?:\.\d+)+)条$/, "$1");  /* 第4.2条 / 4.2条: section 4.2 */
    var m = text.match(arabicRe), item, n;
    if (m) {
      if (!m[2]) { return m[1]; }
      item = cnToInt(m[2]);
      return item === null ? null : m[1] + "(" + item + ")";
    }
    m = text.match(chineseRe);
    if (!m) { return null; }
    if (m[5]) { n = cnToInt(m[5]); return n === null ? null : String(n); }
    var art = cnToInt(m[1]), ins = m[2] ? cnToInt(m[2]) : 0;
    if (art === null || ins === null) { return null; }
    var number = String(art) + (m[2] ? "-" + ins : "");
    if (m[4]) {  /* 款 counts only before an item: 第十二条第二款第（一）项 = 12.2(1) */
      var para = m[3] ? cnToInt(m[3]) : 0, item = cnToInt(m[4]);
      if (para === null || item === null) { return null; }
      number += (para > 1 ? "." + para : "") + "(" + item + ")";
    }
    return number;
  }

  /* read_citation: what a whole text cites (null when it is not a citation). */
  function readCitation(query) {
    var text = String(query).normalize("NFKC").trim();
    var link = text.match(urlAnchorRe);
    if (link) { return { anchor: link[1] }; }
    var m = text.replace(urlRe, "").trim().match(citedRe);
    if (!m) { return null; }
    var number = canonicalNumber(m[2]);
    if (number === null) { return null; }
    var zhStyle = m[2].indexOf("条") >= 0;
    return { policy: m[1].trim().replace(titleNoiseRe, "").trim(), number: number,
             article: zhStyle && number.indexOf(".") < 0,
             language: zhStyle ? "zh" : /§|article|art\.|section|sec\./i.test(text) ? "en" : null };
  }

  /* Catalog.cited: the clauses a citation-shaped query names, in site order (empty when none). */
  function citation(query) {
    var cited = readCitation(query);
    if (!cited) { return []; }
    if (cited.anchor !== undefined) { return BY_ANCHOR[cited.anchor] ? [BY_ANCHOR[cited.anchor]] : []; }
    var name = normalize(cited.policy);
    var ids = new Set(INDEX.policies.filter(function (p) {
      var title = p.name;  /* normalize(title) as Python folds it (search_index.PolicyEntry) */
      return !name || p.id.toLowerCase() === name || (Array.from(name).length >= 2 && title.indexOf(name) >= 0) ||
        name.indexOf(title) >= 0;
    }).map(function (p) { return p.id; }));
    var first = cited.number.match(/^(\d+(?:-\d+)?)\.1\((\d+)\)$/);  /* 第十二条第一款第（一）项 = 12(1) */
    var numbers = [cited.number].concat(first ? [first[1] + "(" + first[2] + ")"] : []);
    var found = INDEX.docs.filter(function (d) {
      return d.kind === "clause" && ids.has(d.policy) && numbers.indexOf(d.number) >= 0;
    });
    var narrow = function (keep) { var some = found.filter(keep); return some.length ? some : found; };
    if (cited.article) { found = narrow(function (d) { return d.clause_kind !== "section"; }); }
    if (cited.language) { found = narrow(function (d) { return (d.language || "zh") === cited.language; }); }
    return found;
  }

  /* --- the search page ------------------------------------------------------------------ */
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var root = document.documentElement.dataset.content_root || "";
  if (root === "./") { root = ""; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // A search that ended on a result: told to the question service (POST /api/searches beside
  // collector_url's /api/questions) as a beacon, which leaving the page does not cancel. The
  // owners' report counts searches that ended on a FAQ entry against questions still sent.
  function opened(query, doc) {
    if (!INDEX.collector_url) { return; }
    var url;
    try { url = new URL("searches", new URL(INDEX.collector_url, window.location.href)).href; } catch (e) { return; }
    var body = JSON.stringify({ query: query, target: doc.key, kind: doc.kind === "faq" ? "faq" : "clause",
                                policy: doc.policy || null });
    if (navigator.sendBeacon) { navigator.sendBeacon(url, body); return; }
    if (window.fetch) {
      fetch(url, { method: "POST", mode: "no-cors", keepalive: true,
                   headers: { "Content-Type": "text/plain;charset=UTF-8" }, body: body }).catch(function () {});
    }
  }

  function resultItem(doc, query) {
    var li = el("li", "policy-result result-" + doc.kind);
    var link = el("a");
    link.href = root + doc.url;
    link.addEventListener("click", function () { opened(query, doc); });
    link.appendChild(el("span", "result-key", doc.kind === "faq" ? (zh ? "常见问题" : "FAQ") : doc.key));
    link.appendChild(document.createTextNode(" "));
    link.appendChild(el("span", "result-title", doc.title || doc.label));
    li.appendChild(link);
    var meta = doc.policy_title ? (doc.language !== "en" ? "《" + doc.policy_title + "》" : doc.policy_title) : "";
    if (doc.version) { meta += (meta ? " · " : "") + (zh ? "版本 " : "version ") + doc.version; }
    if (meta) { li.appendChild(el("div", "result-meta", meta)); }
    if (doc.snippet) { li.appendChild(el("p", "context", doc.snippet)); }
    return li;
  }

  function report(query) {
    if (!INDEX.collector_url || !window.fetch) { return false; }
    var record = { text: query, channel: "search", asked_at: new Date().toISOString(),
                   page: window.location.href, language: zh ? "zh" : "en" };
    fetch(INDEX.collector_url, { method: "POST", mode: "no-cors", keepalive: true,
                                 headers: { "Content-Type": "text/plain;charset=UTF-8" },
                                 body: JSON.stringify(record) }).catch(function () {});
    return true;
  }

  // "没找到？提问": post the question to the question service (policy serve) at collector_url and
  // show its instant answer. Everything the service returns is shown as text, never as HTML.
  function askForm(box, query) {
    if (!INDEX.collector_url || !window.fetch) { return; }
    var form = el("form", "policy-ask");
    form.appendChild(el("p", "policy-ask-title", zh ? "没找到？提问" : "Ask the owner"));
    var area = el("textarea");
    area.name = "text"; area.rows = 3; area.maxLength = 2000; area.value = query;
    area.setAttribute("aria-label", zh ? "您的问题" : "Your question");
    var button = el("button", null, zh ? "提问" : "Ask");
    button.type = "submit";
    var out = el("div", "policy-ask-answer");
    out.setAttribute("aria-live", "polite");
    form.appendChild(area); form.appendChild(button); form.appendChild(out);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = area.value.trim();
      if (!text) { return; }
      button.disabled = true;
      out.textContent = zh ? "正在提交…" : "Sending…";
      fetch(INDEX.collector_url, { method: "POST", headers: { "Content-Type": "application/json" },
                                   body: JSON.stringify({ text: text, channel: "form" }) })
        .then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
        .then(function (res) {
          var body = res[1] || {};
          out.textContent = "";
          button.disabled = false;
          if (!res[0]) {
            out.appendChild(el("p", "policy-ask-error", (body.error && body.error.message) || String(res[0])));
            return;
          }
          if (body.answer && body.answer.covered && body.answer.reply) {
            out.appendChild(el("p", "policy-ask-reply", body.answer.reply));
          }
          out.appendChild(el("p", body.stored || body.duplicate ? "policy-ask-passed" : "policy-ask-error",
            body.stored || body.duplicate
              ? (zh ? "您的问题已转给制度负责人。" : "Your question was passed to the policy's owner.")
              : (zh ? "没有记录：请把问题写完整一些。" : "Not passed on: please write the question out in full.")));
        })
        .catch(function () {
          button.disabled = false;
          out.textContent = zh ? "提交失败，请稍后再试。" : "Could not send it; please try again later.";
        });
    });
    box.appendChild(form);
  }

  function noResult(container, query) {
    var box = el("div", "policy-search-empty");
    box.appendChild(el("p", "policy-search-none", zh ? "没有找到与“" + query + "”相关的条款。"
                                                      : "No clause matches “" + query + "”."));
    if (INDEX.faq_pages.length) {
      var faq = el("p", "policy-search-faq", zh ? "可以先看看常见问题：" : "Try the FAQ: ");
      INDEX.faq_pages.forEach(function (page, i) {
        var a = el("a", null, (INDEX.faq_titles || {})[page] || page.replace(/\.html$/, "").split("/").pop());
        a.href = root + page;
        if (i) { faq.appendChild(document.createTextNode(zh ? "、" : ", ")); }
        faq.appendChild(a);
      });
      box.appendChild(faq);
    }
    var owners = el("p", "policy-search-owners", zh ? "或联系制度负责部门：" : "Or ask the policy owner: ");
    INDEX.policies.forEach(function (p, i) {
      if (i) { owners.appendChild(document.createTextNode(zh ? "；" : "; ")); }
      var a = el("a", null, zh ? "《" + p.title + "》" : p.title);
      a.href = root + p.url;
      owners.appendChild(a);
      owners.appendChild(document.createTextNode(" — " + p.owner));
    });
    box.appendChild(owners);
    if (report(query)) {
      box.appendChild(el("p", "policy-search-reported", zh ? "您的问题已记录，制度负责人会补充解答。"
                                                          : "Your question was passed on to the policy owners."));
    }
    askForm(box, query);
    container.appendChild(box);
  }

  function run(query, container, status) {
    container.textContent = "";
    var cited = citation(query);
    if (cited.length === 1 && cited[0].url) {
      status.textContent = (zh ? "正在打开 " : "Opening ") + cited[0].key + "…";
      opened(query, cited[0]);
      window.location.replace(root + cited[0].url);
      return;
    }
    var seen = new Set(cited.map(function (d) { return d.key; }));
    var tokens = tokenize(query);
    var hits = rank(groups(query), 20);
    var weak = !cited.length && (!hits.length || confidence(tokens, hits[0].total) < INDEX.low_confidence);
    var docs = cited.concat(hits.map(function (h) { return h.doc; })
      .filter(function (d) { return !seen.has(d.key); }));
    status.textContent = "";
    if (weak) { noResult(container, query); }
    if (!docs.length) { return; }
    if (weak) { container.appendChild(el("p", "policy-search-weak", zh ? "可能相关的条款：" : "Possibly related:")); }
    else {
      status.textContent = zh ? "找到 " + docs.length + " 条结果，按相关度排序。"
                              : "Found " + docs.length + " result(s), best first.";
    }
    var list = el("ul", "search policy-search-results");
    docs.forEach(function (d) { list.appendChild(resultItem(d, query)); });
    container.appendChild(list);
  }

  window.PolicySearch = { tokenize: tokenize, groups: groups, rank: rank, confidence: confidence,
                          citation: citation, readCitation: readCitation, normalize: normalize };

  function start() {
    var container = document.getElementById("search-results");
    if (!container) { return; }
    var query = new URLSearchParams(window.location.search).get("q") || "";
    var input = document.querySelector("form.policy-search-form input[name=q]");
    if (input) { input.value = query; }
    document.querySelectorAll("input[name=q]").forEach(function (i) { i.value = query; });
    if (query.trim()) {
      run(query.trim(), container, document.getElementById("search-progress") || el("p"));
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
