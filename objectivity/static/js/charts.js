// Draws every [data-chart] element from the Vega-Lite spec in the <script id=…> it names.
// Loaded as a module after the vega-embed bundle, which sets window.vegaEmbed.
// Numbers as Russian writes them, in axes and tooltips alike: «10 235», «2,5».
var RUSSIAN = { decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0₽"] };
document.querySelectorAll("[data-chart]").forEach(function (el) {
  var source = document.getElementById(el.getAttribute("data-chart"));
  if (!source || !window.vegaEmbed) { return; }
  window.vegaEmbed(el, JSON.parse(source.textContent), { actions: false, renderer: "svg", formatLocale: RUSSIAN })
    .then(function () {
      // One picture with the spec's Russian description as its label, instead of vega-embed's English
      // «visualization» role over Vega's inner groups.
      el.setAttribute("role", "img");
      el.removeAttribute("aria-roledescription");
      el.setAttribute("data-drawn", "1");
    })
    .catch(function (error) { el.textContent = String(error); });
});
