/* Copy-citation buttons: put "《标题》第4.2条（…） https://…#sales-4-2" on the clipboard. */
(function () {
  "use strict";
  function citationFor(button) {
    var url = button.dataset.url || new URL("#" + button.dataset.anchor, window.location.href).href;
    return button.dataset.citation + " " + url;
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
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
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy-citation");
    if (!button) { return; }
    var text = citationFor(button);
    copy(text).then(function () {
      var old = button.textContent;
      button.classList.add("copied");
      button.textContent = document.documentElement.lang.indexOf("zh") === 0 ? "已复制" : "Copied";
      setTimeout(function () { button.textContent = old; button.classList.remove("copied"); }, 1500);
    });
  });
})();
