/* Laomo's charts: every element `.lm-chart[data-chart=ID]` is drawn with the locally served
   Apache ECharts from the JSON the page put in <script id=ID type="application/json">
   (Django's json_script). A chart is {categories, series, horizontal, stack, unit, limit}; each
   point is {value, url}, and clicking (tapping) a point opens the list that shows what it counts.
   Also: a <select data-autosubmit> sends its form when changed (the year selector). */
(function () {
  "use strict";

  var charts = [];

  function narrow() {
    return window.matchMedia("(max-width: 575.98px)").matches;
  }

  function readSpec(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function heightOf(spec) {
    var rows = spec.categories.length;
    if (spec.horizontal) {
      return Math.max(140, rows * (narrow() ? 30 : 34) + 80);
    }
    return narrow() || rows <= 4 ? 240 : 300;
  }

  function points(series) {
    return series.data.map(function (point) {
      return { value: point.value === null ? "-" : point.value, url: point.url || "" };
    });
  }

  function seriesOf(spec) {
    return spec.series.map(function (series) {
      var clickable = series.data.some(function (point) { return point.url; });
      var common = {
        name: series.name,
        data: points(series),
        itemStyle: { color: series.color },
        cursor: clickable ? "pointer" : "default",
        emphasis: { focus: "none" }
      };
      if (series.kind === "line") {
        return Object.assign(common, {
          type: "line",
          symbol: "circle",
          symbolSize: 6,
          lineStyle: { color: series.color, type: "dashed", width: 2 },
          z: 3
        });
      }
      if (series.kind === "marker") {
        return Object.assign(common, { type: "scatter", symbol: "diamond", symbolSize: 13, z: 4 });
      }
      var bar = Object.assign(common, { type: "bar", barMaxWidth: 26 });
      if (spec.stack) {
        bar.stack = "total";
      }
      if (spec.limit) {
        var line = {};
        line[spec.horizontal ? "xAxis" : "yAxis"] = spec.limit.value;
        bar.markLine = {
          silent: true,
          symbol: "none",
          data: [line],
          // The category axis runs top-down (inverse), so a vertical line starts at the top.
          label: {
            formatter: spec.limit.label,
            position: spec.horizontal ? "start" : "end",
            fontSize: 11,
            color: "#b3261e"
          },
          lineStyle: { color: "#b3261e", type: "dashed" }
        };
      }
      return bar;
    });
  }

  function optionOf(spec) {
    var small = narrow();
    var shorten = small && spec.short;
    var category = {
      type: "category",
      data: spec.categories,
      name: shorten ? spec.shortName : "",
      nameGap: 6,
      nameTextStyle: { fontSize: 11 },
      axisTick: { alignWithLabel: true },
      axisLabel: spec.horizontal
        ? { width: small ? 84 : 150, overflow: "truncate", fontSize: small ? 11 : 12 }
        : { fontSize: small ? 11 : 12, interval: 0, hideOverlap: true }
    };
    if (shorten) {
      // "1" … "12" under "月" on a phone; the tooltip still says "1月".
      category.axisLabel.formatter = function (text, index) {
        return spec.short[index];
      };
    }
    // The unit reads at the end of a horizontal value axis; above a vertical one it would sit
    // on the legend, and the tooltip says it anyway.
    var value = {
      type: "value",
      minInterval: 1,
      name: spec.horizontal ? spec.unit || "" : "",
      nameTextStyle: { fontSize: 11 },
      axisLabel: { fontSize: small ? 10 : 12 }
    };
    if (spec.limit) {
      value.max = function (extent) {
        return Math.max(extent.max, spec.limit.value + 1);
      };
      value.axisLabel.showMaxLabel = false; // a stray "13" beside the limit's "12"
    }
    if (spec.horizontal) {
      category.inverse = true; // the first row on top, as in the table beside it
      value.nameLocation = "end";
    }
    return {
      animation: false,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        confine: true,
        valueFormatter: function (v) {
          return v === "-" || v === null || v === undefined ? "—" : v + (spec.unit || "");
        }
      },
      legend: {
        show: spec.series.length > 1,
        type: "scroll",
        top: 0,
        itemWidth: 14,
        itemHeight: 10,
        textStyle: { fontSize: small ? 11 : 12 }
      },
      grid: {
        left: 4,
        right: spec.horizontal ? 28 : shorten ? 22 : 12,
        top: spec.series.length > 1 || spec.limit ? 34 : 24,
        bottom: 4,
        containLabel: true
      },
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? category : value,
      series: seriesOf(spec)
    };
  }

  function draw(element) {
    var spec = readSpec(element);
    if (!spec || !window.echarts) {
      return;
    }
    element.style.width = "100%";
    element.style.height = heightOf(spec) + "px";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(optionOf(spec));
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url) {
        window.location.assign(url);
      }
    });
    charts.push({ chart: chart, element: element, spec: spec });
  }

  function resize() {
    charts.forEach(function (item) {
      item.element.style.height = heightOf(item.spec) + "px";
      item.chart.setOption(optionOf(item.spec), { notMerge: true });
      item.chart.resize();
    });
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) {
          select.form.submit();
        }
      });
    });
  }

  function start() {
    document.querySelectorAll(".lm-chart[data-chart]").forEach(draw);
    autosubmit();
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(resize, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
