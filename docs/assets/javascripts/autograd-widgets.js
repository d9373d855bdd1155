/* Two small widgets that read what a snippet printed at build time (the page's own output blocks),
   so every number they show was computed by PyTorch, not by this script.

   <div class="backward-stepper" data-record="snippets/<lesson>/watch_backward.py" data-title="...">
     steps through a recorded backward pass: the graph of grad_fn nodes, the node the engine ran at
     each step, the gradient it received and the gradients it sent on.
   <div class="tangent-slider" data-record="snippets/<lesson>/tangent_grid.py" data-column="x**2">
     moves a point along a recorded curve and draws the tangent whose slope is the recorded x.grad.

   Without JavaScript the placeholders stay empty and the printed record above them is the page. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var counter = 0;

  function svg(name, attributes, parent) {
    var element = document.createElementNS(SVG_NS, name);
    Object.keys(attributes || {}).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    if (parent) parent.appendChild(element);
    return element;
  }

  function html(name, attributes, parent, text) {
    var element = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    if (text !== undefined) element.textContent = text;
    if (parent) parent.appendChild(element);
    return element;
  }

  /* The stdout of a snippet as the page shows it (warnings and exceptions left out). */
  function recordOf(path) {
    var blocks = document.querySelectorAll(".snippet-output[data-snippet]");
    for (var i = 0; i < blocks.length; i++) {
      if (blocks[i].getAttribute("data-snippet") !== path) continue;
      var code = blocks[i].querySelector("pre > code");
      if (!code) return null;
      var copy = code.cloneNode(true);
      copy.querySelectorAll(".snippet-warning, .snippet-exception").forEach(function (span) {
        span.remove();
      });
      return copy.textContent;
    }
    return null;
  }

  function fail(element, message) {
    element.classList.add("autograd-widget--failed");
    html("p", {}, element, message);
  }

  /* ---- the backward stepper ------------------------------------------------------------------ */

  /* graph:  "n2 AddBackward0 -> n3 n4"      steps: "3 n4 MulBackward0: 3 -> 9 6"
                                                     "6 n5 AccumulateGrad (x): 21 -> x.grad 21" */
  function parseBackward(text) {
    var nodes = [], steps = [], section = null;
    text.split("\n").forEach(function (line) {
      var match;
      if (/^graph:/.test(line)) section = "graph";
      else if (/^steps:/.test(line)) section = "steps";
      else if (section === "graph" && (match = /^(n\d+) (.+?)(?: -> (.+))?$/.exec(line))) {
        nodes.push({ id: match[1], name: match[2], next: match[3] ? match[3].split(" ") : [] });
      } else if (section === "steps" && (match = /^(\d+) (n\d+) (.+?): (.+?) -> (.+)$/.exec(line))) {
        var leaf = /^(\w+)\.grad (\S+)$/.exec(match[5]);
        steps.push({
          number: Number(match[1]),
          node: match[2],
          received: match[4].split(" "),
          sent: leaf ? [] : match[5].split(" "),
          leaf: leaf ? { name: leaf[1], grad: leaf[2] } : null,
        });
      }
    });
    return { nodes: nodes, steps: steps };
  }

  /* Layers from the top: a node sits one layer below the lowest node that sends to it; the leaves'
     AccumulateGrad nodes share the bottom layer. */
  function layout(nodes) {
    var byId = {}, depth = {};
    nodes.forEach(function (node) { byId[node.id] = node; depth[node.id] = 0; });
    for (var pass = 0; pass < nodes.length; pass++) {
      nodes.forEach(function (node) {
        node.next.forEach(function (id) {
          if (byId[id]) depth[id] = Math.max(depth[id], depth[node.id] + 1);
        });
      });
    }
    var bottom = Math.max.apply(null, nodes.map(function (node) { return depth[node.id]; }));
    nodes.forEach(function (node) { if (!node.next.length) depth[node.id] = bottom; });
    var layers = [];
    nodes.forEach(function (node) {
      (layers[depth[node.id]] = layers[depth[node.id]] || []).push(node);
    });
    return layers.filter(Boolean);
  }

  function initStepper(element) {
    var path = element.getAttribute("data-record");
    var text = recordOf(path);
    var record = text && parseBackward(text);
    if (!record || !record.nodes.length || !record.steps.length) {
      fail(element, "The record of " + path + " is missing from this page.");
      return;
    }
    var id = "backward-stepper-" + ++counter;
    var byId = {};
    record.nodes.forEach(function (node) { byId[node.id] = node; });
    // The leaves in the graph's order: "AccumulateGrad (x)" is the node of leaf x.
    var leafNames = record.nodes.map(function (node) {
      var match = /\((\w+)\)$/.exec(node.name);
      return match && record.steps.some(function (step) { return step.leaf && step.leaf.name === match[1]; }) ? match[1] : null;
    }).filter(Boolean);

    element.setAttribute("role", "group");
    element.setAttribute("aria-labelledby", id + "-title");
    html("p", { class: "backward-stepper__title", id: id + "-title" }, element,
      element.getAttribute("data-title") || "The backward pass, step by step");

    // The diagram: one box per node, an arrow per entry of next_functions.
    var W = 360, BOX_H = 30, LAYER_H = 84, PAD = 6;
    var layers = layout(record.nodes);
    var H = PAD * 2 + (layers.length - 1) * LAYER_H + BOX_H;
    var description = record.nodes.map(function (node) {
      var to = node.next.filter(function (next) { return byId[next]; }).map(function (next) {
        return byId[next].name;
      });
      return node.name + (to.length ? " sends to " + to.join(" and ") : " fills a leaf's .grad");
    }).join("; ");
    var figure = svg("svg", {
      viewBox: "0 0 " + W + " " + H, class: "backward-stepper__graph", role: "img",
      "aria-label": "The graph of grad_fn nodes: " + description + ".",
    });
    var defs = svg("defs", {}, figure);
    var marker = svg("marker", {
      id: id + "-arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
      markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse",
    }, defs);
    svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "backward-stepper__arrowhead" }, marker);
    var place = {};
    layers.forEach(function (layer, row) {
      var width = Math.min(172, (W - PAD * 2 - (layer.length - 1) * 12) / layer.length);
      var total = layer.length * width + (layer.length - 1) * 12;
      layer.forEach(function (node, column) {
        place[node.id] = {
          x: (W - total) / 2 + column * (width + 12), y: PAD + row * LAYER_H, w: width,
        };
      });
    });
    var edgeLayer = svg("g", {}, figure);
    var nodeLayer = svg("g", {}, figure);
    var labelLayer = svg("g", {}, figure);
    var edges = [];
    record.nodes.forEach(function (node) {
      node.next.forEach(function (next, slot) {
        if (!byId[next]) return; // "-": an input that gets no gradient, drawn as no arrow
        var from = place[node.id], to = place[next];
        var x1 = from.x + from.w / 2, y1 = from.y + BOX_H, x2 = to.x + to.w / 2, y2 = to.y;
        var line = svg("line", {
          x1: x1, y1: y1, x2: x2, y2: y2 - 1, class: "backward-stepper__edge",
          "marker-end": "url(#" + id + "-arrow)",
        }, edgeLayer);
        var label = svg("g", { class: "backward-stepper__grad", "data-from": node.id, "data-to": next }, labelLayer);
        // Past the middle of the arrow, towards its receiver: two arrows that cross in the middle
        // (from the left to the right and back) keep their labels apart.
        var mx = x1 + (x2 - x1) * 0.62, my = y1 + (y2 - y1) * 0.62;
        var back = svg("rect", { x: mx - 18, y: my - 10, width: 36, height: 20, rx: 4 }, label);
        var value = svg("text", { x: mx, y: my + 4.5, "text-anchor": "middle" }, label);
        edges.push({ from: node.id, to: next, slot: slot, line: line, label: label, back: back, value: value });
      });
    });
    var boxes = {};
    record.nodes.forEach(function (node) {
      var at = place[node.id];
      var group = svg("g", { class: "backward-stepper__node", "data-node": node.id, "data-name": node.name }, nodeLayer);
      svg("rect", { x: at.x, y: at.y, width: at.w, height: BOX_H, rx: 5 }, group);
      var name = svg("text", { x: at.x + at.w / 2, y: at.y + BOX_H / 2 + 4.5, "text-anchor": "middle" }, group);
      name.textContent = node.name;
      boxes[node.id] = group;
    });
    element.appendChild(figure);

    // What the current step did, in words (read out by screen readers as it changes).
    var status = html("p", { class: "backward-stepper__status", "aria-live": "polite", id: id + "-status" }, element);
    var grads = html("p", { class: "backward-stepper__leaves" }, element);
    var leafValues = {};
    leafNames.forEach(function (name, index) {
      if (index) grads.appendChild(document.createTextNode(" "));
      var item = html("span", { class: "backward-stepper__leaf", "data-leaf": name }, grads);
      html("code", {}, item, name + ".grad");
      item.appendChild(document.createTextNode(": "));
      leafValues[name] = html("span", { class: "backward-stepper__leaf-value" }, item);
    });

    var controls = html("div", { class: "backward-stepper__controls" }, element);
    var previous = html("button", { type: "button", class: "md-button backward-stepper__previous" }, controls, "Previous step");
    var counterText = html("span", { class: "backward-stepper__count", "aria-hidden": "true" }, controls);
    var next = html("button", { type: "button", class: "md-button md-button--primary backward-stepper__next" }, controls, "Next step");
    html("p", { class: "backward-stepper__hint" }, element,
      "Dashed boxes have not run yet, shaded ones have, and the thick outline marks the node running now. " +
      "With a button focused, the \u2190 and \u2192 keys step back and forward, Home and End go to the start and the end.");

    var current = 0;
    var total = record.steps.length;

    function describe(step) {
      var node = byId[step.node];
      var sentence = "Step " + step.number + " of " + total + ": " + node.name + " runs. It receives " +
        step.received.join(", ");
      if (step.leaf) return sentence + " and puts it in " + step.leaf.name + ".grad, which is now " + step.leaf.grad + ".";
      var parts = [];
      step.sent.forEach(function (value, slot) {
        var to = node.next[slot];
        if (byId[to]) parts.push(value + " to " + byId[to].name);
      });
      return sentence + " and sends " + (parts.length ? parts.join(" and ") : "nothing on") + ".";
    }

    function render() {
      var done = {};
      record.steps.slice(0, current).forEach(function (step) { done[step.node] = step; });
      var running = current ? record.steps[current - 1] : null;
      record.nodes.forEach(function (node) {
        var box = boxes[node.id];
        box.classList.toggle("is-done", Boolean(done[node.id]) && (!running || running.node !== node.id));
        box.classList.toggle("is-running", Boolean(running) && running.node === node.id);
        box.classList.toggle("is-waiting", !done[node.id]);
      });
      edges.forEach(function (edge) {
        var step = done[edge.from];
        var shown = Boolean(step) && step.sent[edge.slot] !== undefined && step.sent[edge.slot] !== "-";
        edge.label.classList.toggle("is-shown", shown);
        edge.label.classList.toggle("is-new", shown && running === step);
        edge.line.classList.toggle("is-carrying", shown);
        edge.value.textContent = shown ? step.sent[edge.slot] : "";
        if (shown) {
          var width = Math.max(28, 9 * edge.value.textContent.length + 12);
          edge.back.setAttribute("width", width);
          edge.back.setAttribute("x", Number(edge.value.getAttribute("x")) - width / 2);
        }
      });
      Object.keys(leafValues).forEach(function (name) {
        var filled = record.steps.slice(0, current).filter(function (step) { return step.leaf && step.leaf.name === name; });
        leafValues[name].textContent = filled.length ? filled[filled.length - 1].leaf.grad : "None";
        leafValues[name].parentNode.classList.toggle("is-filled", filled.length > 0);
      });
      status.textContent = running ? describe(running)
        : "Before backward(): no node has run and every .grad is None. " + total + " steps follow.";
      element.setAttribute("data-step", String(current));
      counterText.textContent = "Step " + current + " of " + total;
      previous.setAttribute("aria-disabled", String(current === 0));
      next.setAttribute("aria-disabled", String(current === total));
    }

    function go(step) {
      current = Math.max(0, Math.min(total, step));
      render();
    }

    previous.addEventListener("click", function () { go(current - 1); });
    next.addEventListener("click", function () { go(current + 1); });
    element.addEventListener("keydown", function (event) {
      var keys = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: total };
      if (!(event.key in keys) || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      go(keys[event.key]);
    });
    render();
  }

  /* ---- the tangent slider -------------------------------------------------------------------- */

  /* A table printed by the snippet: a header "x <name> x.grad [<name> x.grad ...]", then rows of
     numbers, one per header cell. The rows of `column` are (x, its value, its x.grad). */
  function parseTable(text, column) {
    var at = -1, width = 0, rows = null;
    text.split("\n").forEach(function (line) {
      var cells = line.trim().split(/\s+/);
      if (rows === null && cells[0] === "x") {
        var index = cells.indexOf(column);
        if (index > 0 && cells[index + 1] === "x.grad") {
          at = index;
          width = cells.length;
          rows = [];
        }
      } else if (rows && cells.length === width && cells.every(function (cell) { return isFinite(Number(cell)); })) {
        rows.push({ x: cells[0], f: cells[at], grad: cells[at + 1] });
      }
    });
    return rows;
  }

  function initSlider(element) {
    var path = element.getAttribute("data-record");
    var column = element.getAttribute("data-column");
    var text = recordOf(path);
    var rows = text && parseTable(text, column);
    if (!rows || rows.length < 2) {
      fail(element, "The table of " + column + " from " + path + " is missing from this page.");
      return;
    }
    var id = "tangent-slider-" + ++counter;
    var xs = rows.map(function (row) { return Number(row.x); });
    var fs = rows.map(function (row) { return Number(row.f); });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var low = Math.min(0, Math.min.apply(null, fs)), high = Math.max(0, Math.max.apply(null, fs));
    var margin = (high - low) * 0.12 || 1;
    low -= margin;
    high += margin;
    var W = 320, H = 200, PAD = 8;
    var pxPerX = (W - PAD * 2) / (x1 - x0), pxPerY = (H - PAD * 2) / (high - low);
    function X(value) { return PAD + (value - x0) * pxPerX; }
    function Y(value) { return H - PAD - (value - low) * pxPerY; }

    element.setAttribute("role", "group");
    element.setAttribute("aria-labelledby", id + "-title");
    html("p", { class: "tangent-slider__title", id: id + "-title" }, element,
      element.getAttribute("data-title") || "The tangent of " + column);
    var body = html("div", { class: "tangent-slider__body" }, element);
    var plot = svg("svg", {
      viewBox: "0 0 " + W + " " + H, class: "tangent-slider__plot", role: "img",
      "data-px-per-x": pxPerX, "data-px-per-y": pxPerY,
    }, body);
    var clip = svg("clipPath", { id: id + "-clip" }, svg("defs", {}, plot));
    svg("rect", { x: PAD, y: PAD, width: W - PAD * 2, height: H - PAD * 2 }, clip);
    svg("line", { x1: PAD, x2: W - PAD, y1: Y(0), y2: Y(0), class: "tangent-slider__axis" }, plot);
    if (x0 <= 0 && x1 >= 0) svg("line", { x1: X(0), x2: X(0), y1: PAD, y2: H - PAD, class: "tangent-slider__axis" }, plot);
    svg("polyline", {
      class: "tangent-slider__curve",
      points: rows.map(function (row, i) { return X(xs[i]).toFixed(2) + "," + Y(fs[i]).toFixed(2); }).join(" "),
    }, plot);
    var tangent = svg("line", { class: "tangent-slider__tangent", "clip-path": "url(#" + id + "-clip)" }, plot);
    var point = svg("circle", { r: 5, class: "tangent-slider__point" }, plot);

    var side = html("div", { class: "tangent-slider__side" }, body);
    html("label", { for: id + "-input", class: "tangent-slider__label" }, side, "Move x");
    var input = html("input", {
      type: "range", id: id + "-input", min: "0", max: String(rows.length - 1), step: "1",
      class: "tangent-slider__input",
    }, side);
    var numbers = html("dl", { class: "tangent-slider__numbers" }, side);
    function entry(term) {
      html("dt", {}, numbers).appendChild(html("code", {}, null, term));
      return html("dd", {}, numbers);
    }
    var showX = entry("x"), showF = entry(column), showGrad = entry("x.grad");
    html("p", { class: "tangent-slider__note" }, side, "x.grad is the slope of the tangent line drawn through the point.");

    var start = element.getAttribute("data-start");
    var index = start === null ? Math.floor(rows.length / 2) : Math.max(0, xs.indexOf(Number(start)));
    input.value = String(index);

    function render() {
      var i = Number(input.value), row = rows[i];
      var slope = Number(row.grad), x = xs[i], y = fs[i];
      var span = (x1 - x0) * 2;
      tangent.setAttribute("x1", X(x - span)); tangent.setAttribute("y1", Y(y - slope * span));
      tangent.setAttribute("x2", X(x + span)); tangent.setAttribute("y2", Y(y + slope * span));
      point.setAttribute("cx", X(x)); point.setAttribute("cy", Y(y));
      showX.textContent = row.x;
      showF.textContent = row.f;
      showGrad.textContent = row.grad;
      input.setAttribute("aria-valuetext", "x = " + row.x + ", " + column + " = " + row.f + ", x.grad = " + row.grad);
      plot.setAttribute("aria-label", "The curve of " + column + " for x from " + rows[0].x + " to " +
        rows[rows.length - 1].x + ", with the point at x = " + row.x + " and its tangent line of slope " + row.grad + ".");
      element.setAttribute("data-index", String(i));
    }
    input.addEventListener("input", render);
    render();
  }

  function init() {
    document.querySelectorAll(".backward-stepper[data-record]:not([data-ready])").forEach(function (element) {
      element.setAttribute("data-ready", "");
      initStepper(element);
    });
    document.querySelectorAll(".tangent-slider[data-record]:not([data-ready])").forEach(function (element) {
      element.setAttribute("data-ready", "");
      initSlider(element);
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
