// The filter box of the report's tables: rows holding every word typed stay, the others are
// hidden. Without script the box stays hidden and the tables show in full.
document.querySelectorAll("[data-filter]").forEach(function (input) {
  input.closest(".filter").hidden = false;
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll("table.filterable tbody tr").forEach(function (row) {
      var text = row.textContent.toLowerCase();
      row.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
    });
  });
});
