/* Reader helpers on every page:
   - "复制引用 / Copy citation" buttons put "《标题》第4.2条（…） https://…#sales-4-2" on the clipboard;
   - FAQ entries get a "复制链接 / Copy link" button;
   - citation links carry their absolute URL for print (policy-print.css shows it after the link). */
(function () {
  "use strict";
  function zh() { return (document.documentElement.lang || "").indexOf("zh") === 0; }
  function pageUrl() {
    var canonical = document.querySelector("link[rel=canonical]");
    return canonical ? canonical.href : window.location.href.split("#")[0];
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) { return navigator.clipboard.writeText(text); }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }
  function confirmCopied(button) {
    var old = button.textContent;
    button.classList.add("copied");
    button.textContent = zh() ? "已复制" : "Copied";
    setTimeout(function () { button.textContent = old; button.classList.remove("copied"); }, 1500);
  }
  function citationFor(button) {
    var url = button.dataset.url || new URL("#" + button.dataset.anchor, window.location.href).href;
    return button.dataset.citation + " " + url;
  }
  function start() {
    var base = pageUrl();
    document.querySelectorAll("[role=main] a.reference.internal[href], [role=main] a.clause-ref[href]").forEach(function (a) {
      if (a.closest(".toctree-wrapper")) { return; }
      a.dataset.printUrl = new URL(a.getAttribute("href"), base).href;
    });
    document.querySelectorAll(".faq-entry[id], [data-faq-id][id]").forEach(function (entry) {
      if (entry.querySelector("button.copy-link")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-link";
      button.dataset.href = base + "#" + entry.id;
      button.textContent = zh() ? "复制链接" : "Copy link";
      button.title = zh() ? "复制本问答的链接" : "Copy a link to this answer";
      var head = entry.querySelector(".faq-question, h2, h3, h4, dt, p") || entry;
      head.appendChild(document.createTextNode(" "));
      head.appendChild(button);
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy-citation, button.copy-link");
    if (!button) { return; }
    var text = button.classList.contains("copy-link") ? button.dataset.href : citationFor(button);
    copy(text).then(function () { confirmCopied(button); });
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
