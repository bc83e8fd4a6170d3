/* Scorecard page: every answer is saved as soon as it changes (JSON + CSRF header); a newer
   answer saved by someone else is shown beside this one, never overwritten silently. */
"use strict";
(function () {
  const d = carl.data("scorecard-data");
  if (!d.csrf) return;                         // read-only
  const W = d.words;
  const timers = {};
  function values(fs) {
    const r = fs.querySelector("input[type=radio]:checked");
    return {score: r && r.value !== "" ? Number(r.value) : null,
            comment: fs.querySelector("textarea").value,
            evidence_url: fs.querySelector("input[name=evidence_url]").value.trim()};
  }
  function show(fs, v) {
    fs.querySelectorAll("input[type=radio]").forEach(r => {
      r.checked = (v.score === null || v.score === undefined) ? r.value === "" : Number(r.value) === v.score && r.value !== "";
    });
    fs.querySelector("textarea").value = v.comment || "";
    fs.querySelector("input[name=evidence_url]").value = v.evidence_url || "";
  }
  function progress() {
    const n = Array.from(document.querySelectorAll("fieldset.question")).filter(fs => values(fs).score !== null).length;
    document.getElementById("progress").textContent = n;
    document.getElementById("progress-bar").value = n;
  }
  function describe(v) {
    const sc = v.score === null || v.score === undefined ? W.no_score : String(v.score);
    return sc + (v.comment ? " «" + v.comment + "»" : "");
  }
  function save(fs) {
    const st = fs.querySelector(".status");
    st.textContent = W.saving; st.className = "status";
    const body = Object.assign(values(fs), {base_version: Number(fs.dataset.version)});
    fetch("/api/v1/cities/" + d.city + "/scorecard/" + d.level + "/" + encodeURIComponent(fs.dataset.qid), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": d.csrf},
      body: JSON.stringify(body)}).then(r => r.json().then(j => [r.status, j])).then(([code, j]) => {
      const box = fs.querySelector(".conflict");
      if (code === 200) {
        fs.dataset.version = j.answer.version; st.textContent = W.saved; st.className = "status ok";
        box.hidden = true; box.textContent = ""; progress(); return;
      }
      if (code === 409 && j.theirs) {
        st.textContent = W.failed; st.className = "status bad";
        box.hidden = false; box.textContent = "";
        const p = document.createElement("p");
        p.textContent = W.conflict.replace("{who}", j.theirs.updated_by)
          .replace("{theirs}", describe(j.theirs)).replace("{yours}", describe(body));
        const a = document.createElement("button"); a.type = "button"; a.textContent = W.keep_theirs;
        a.className = "keep-theirs";
        a.onclick = () => { show(fs, j.theirs); fs.dataset.version = j.theirs.version; box.hidden = true; progress(); st.textContent = ""; };
        const b = document.createElement("button"); b.type = "button"; b.textContent = W.keep_mine;
        b.className = "keep-mine";
        b.onclick = () => { fs.dataset.version = j.theirs.version; box.hidden = true; save(fs); };
        box.append(p, a, b);
        return;
      }
      st.textContent = W.failed + (j.detail ? ": " + j.detail : ""); st.className = "status bad";
    }).catch(() => { st.textContent = W.failed; st.className = "status bad"; });
  }
  document.querySelectorAll("fieldset.question").forEach(fs => {
    fs.querySelectorAll("input[type=radio]").forEach(r => r.addEventListener("change", () => save(fs)));
    fs.querySelectorAll("textarea, input[name=evidence_url]").forEach(el => el.addEventListener("input", () => {
      clearTimeout(timers[fs.dataset.qid]);
      timers[fs.dataset.qid] = setTimeout(() => save(fs), 800);
    }));
  });
})();
