#include "viewer/panels.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <tuple>

#include "policies/policy.h"
#include "tasks/registry.h"
#include "tasks/split.h"

namespace wambench::viewer {
namespace {

// Colours

ImU32 rgba(float r, float g, float b, float a = 1) { return ImGui::ColorConvertFloat4ToU32(ImVec4(r, g, b, a)); }

// Fine phase -> a stable colour (known labels fixed, others hashed into the palette).
ImU32 phase_color(const std::string& phase) {
  static const std::map<std::string, ImU32> known = {
      {"reach", rgba(0.35f, 0.55f, 0.85f)},   {"move", rgba(0.30f, 0.70f, 0.90f)},
      {"transit", rgba(0.35f, 0.55f, 0.85f)}, {"retreat", rgba(0.55f, 0.60f, 0.75f)},
      {"grasp", rgba(0.90f, 0.55f, 0.20f)},   {"lift", rgba(0.85f, 0.75f, 0.25f)},
      {"place", rgba(0.40f, 0.80f, 0.40f)},   {"release", rgba(0.60f, 0.85f, 0.55f)},
      {"pull", rgba(0.80f, 0.40f, 0.70f)},    {"insert", rgba(0.85f, 0.35f, 0.35f)},
      {"press", rgba(0.75f, 0.45f, 0.90f)},   {"tilt", rgba(0.30f, 0.75f, 0.70f)},
      {"align", rgba(0.90f, 0.45f, 0.55f)},   {"pour", rgba(0.20f, 0.55f, 0.55f)},
      {"untilt", rgba(0.55f, 0.80f, 0.80f)},  {"", rgba(0.30f, 0.30f, 0.30f)}};
  auto it = known.find(phase);
  if (it != known.end()) return it->second;
  size_t h = std::hash<std::string>()(phase);
  return rgba(0.4f + 0.5f * ((h & 0xff) / 255.0f), 0.4f + 0.5f * (((h >> 8) & 0xff) / 255.0f),
              0.4f + 0.5f * (((h >> 16) & 0xff) / 255.0f));
}

const ImU32 kActionColors[kActionDim] = {rgba(0.95f, 0.35f, 0.35f), rgba(0.35f, 0.85f, 0.35f),
                                         rgba(0.40f, 0.55f, 1.00f), rgba(0.95f, 0.65f, 0.65f),
                                         rgba(0.65f, 0.95f, 0.65f), rgba(0.70f, 0.80f, 1.00f),
                                         rgba(0.95f, 0.85f, 0.30f)};
const char* kActionNames[kActionDim] = {"dx", "dy", "dz", "droll", "dpitch", "dyaw", "grip"};

// A string field of a policy's per-step diagnostics ("" if absent or not a string).
std::string diag_string(const nlohmann::json& d, const char* key) {
  if (!d.is_object()) return "";
  auto it = d.find(key);
  return it != d.end() && it->is_string() ? it->get<std::string>() : "";
}

ImTextureID texture(uintptr_t id) { return reinterpret_cast<ImTextureID>(id); }

}  // namespace

// ------------------------------------------------------------------------------------------------
// Browse mode: the episode table

EpisodeBrowserPanel::EpisodeBrowserPanel() : filter_(std::make_unique<ImGuiTextFilter>()) {}
EpisodeBrowserPanel::~EpisodeBrowserPanel() = default;

void EpisodeBrowserPanel::set_filter(const std::string& text) {
  const size_t n = std::min(text.size(), sizeof filter_->InputBuf - 1);
  std::copy_n(text.data(), n, filter_->InputBuf);
  filter_->InputBuf[n] = '\0';
  filter_->Build();
  rows_dirty_ = true;
}

void EpisodeBrowserPanel::set_failures_only(bool on) {
  failures_only_ = on;
  rows_dirty_ = true;
}

void EpisodeBrowserPanel::draw(ViewerState& state, const Layout& layout, const FrameImages&) {
  const std::vector<RunEpisode>& run = state.run();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(Layout::kBrowsePanelW, static_cast<float>(layout.height)));
  ImGui::Begin("Episodes", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  size_t successes = 0;
  for (const RunEpisode& e : run) successes += e.record.success;
  ImGui::Text("%zu episodes, %zu successes, from %zu run folder(s)", run.size(), successes, state.options().runs.size());
  if (filter_->Draw("filter", 200)) rows_dirty_ = true;
  ImGui::SameLine();
  if (ImGui::Checkbox("failures only", &failures_only_)) rows_dirty_ = true;
  ImGui::TextDisabled("filter: words (policy, task, split, result, reason); -word excludes");

  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
  const bool many_runs = state.options().runs.size() > 1;
  const int columns = many_runs ? 8 : 7;
  if (ImGui::BeginTable("episodes", columns, flags, ImVec2(0, ImGui::GetContentRegionAvail().y - 90))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("policy", ImGuiTableColumnFlags_DefaultSort, 0, 0);
    ImGui::TableSetupColumn("task", 0, 0, 1);
    ImGui::TableSetupColumn("split", 0, 0, 2);
    ImGui::TableSetupColumn("#", 0, 0, 3);
    ImGui::TableSetupColumn("result", 0, 0, 4);
    ImGui::TableSetupColumn("progress", 0, 0, 5);
    ImGui::TableSetupColumn("reason", ImGuiTableColumnFlags_WidthStretch, 0, 6);
    if (many_runs) ImGui::TableSetupColumn("run", 0, 0, 7);
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs()) {
      if (specs->SpecsDirty) {
        rows_dirty_ = true;
        specs->SpecsDirty = false;
      }
      sort_specs_ = specs;
    }
    if (rows_dirty_) update_rows(state);
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows_.size()));
    while (clipper.Step()) {
      for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
        const size_t i = rows_[row];
        const EpisodeRecord& r = run[i].record;
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::PushID(static_cast<int>(i));
        // The row's label, and its policy type where the sweep labelled the entry (two checkpoints of one type).
        const std::string shown = r.policy_type.empty() || r.policy_type == r.key.policy
                                      ? r.key.policy
                                      : r.key.policy + " (" + r.policy_type + ")";
        if (ImGui::Selectable(shown.c_str(), state.selected() == static_cast<int>(i) || state.partner() == static_cast<int>(i),
                              ImGuiSelectableFlags_SpanAllColumns))
          state.open_browse_row(i, false);
        ImGui::PopID();
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(r.key.task.c_str());
        ImGui::TableSetColumnIndex(2);
        ImGui::TextUnformatted(r.key.split.c_str());
        ImGui::TableSetColumnIndex(3);
        ImGui::Text("%lld", static_cast<long long>(r.key.index));
        ImGui::TableSetColumnIndex(4);
        const ImVec4 color = r.success ? ImVec4(0.4f, 0.9f, 0.4f, 1) : r.status == "error" ? ImVec4(1, 0.4f, 0.8f, 1)
                                                                                            : ImVec4(1, 0.45f, 0.4f, 1);
        ImGui::TextColored(color, "%s", r.status.c_str());
        ImGui::TableSetColumnIndex(5);
        ImGui::Text("%s", r.progress_name.c_str());
        ImGui::TableSetColumnIndex(6);
        ImGui::TextUnformatted(r.error.c_str());
        if (many_runs) {
          ImGui::TableSetColumnIndex(7);
          ImGui::TextUnformatted(run[i].run.c_str());
        }
      }
    }
    ImGui::EndTable();
  }
  // Side by side: another policy (or run) on the same initial state.
  if (state.selected() >= 0) {
    const std::vector<size_t> same = same_episode(run, static_cast<size_t>(state.selected()));
    ImGui::Text("Same episode elsewhere: %zu", same.size());
    for (size_t j : same) {
      const EpisodeRecord& r = run[j].record;
      std::string label = "side by side: " + r.key.policy + " (" + r.status + ")";
      if (state.options().runs.size() > 1) label += " [" + run[j].run + "]";
      ImGui::PushID(static_cast<int>(j));
      if (ImGui::Button(label.c_str())) state.open_browse_row(j, true);
      ImGui::PopID();
    }
    if (state.shown(1) && ImGui::Button("close side by side")) state.close_partner();
  } else {
    ImGui::TextDisabled("select an episode to replay it");
  }
  ImGui::End();
}

void EpisodeBrowserPanel::update_rows(const ViewerState& state) {
  const std::vector<RunEpisode>& run = state.run();
  rows_.clear();
  for (size_t i = 0; i < run.size(); ++i) {
    const EpisodeRecord& r = run[i].record;
    if (failures_only_ && r.success) continue;
    const std::string text = r.key.policy + " " + r.policy_type + " " + r.key.task + " " + r.key.split + " " + r.status + " " +
                             r.progress_name + " " + r.error + " " + run[i].run;
    if (!filter_->PassFilter(text.c_str())) continue;
    rows_.push_back(i);
  }
  auto key_of = [&](size_t i, int column) -> std::string {
    const EpisodeRecord& r = run[i].record;
    char index[32];
    std::snprintf(index, sizeof index, "%012lld", static_cast<long long>(r.key.index));
    char progress[16];
    std::snprintf(progress, sizeof progress, "%04d", r.progress);
    switch (column) {
      case 0: return r.key.policy;
      case 1: return r.key.task;
      case 2: return r.key.split;
      case 3: return index;
      case 4: return r.status;
      case 5: return progress;
      case 6: return r.error;
      default: return run[i].run;
    }
  };
  std::stable_sort(rows_.begin(), rows_.end(), [&](size_t a, size_t b) {
    if (sort_specs_)
      for (int s = 0; s < sort_specs_->SpecsCount; ++s) {
        const ImGuiTableColumnSortSpecs& spec = sort_specs_->Specs[s];
        const std::string ka = key_of(a, static_cast<int>(spec.ColumnUserID));
        const std::string kb = key_of(b, static_cast<int>(spec.ColumnUserID));
        if (ka != kb) return spec.SortDirection == ImGuiSortDirection_Ascending ? ka < kb : ka > kb;
      }
    // Ties: task, split and episode index, whatever order the workers finished in.
    const EpisodeKey &x = run[a].record.key, &y = run[b].record.key;
    if (std::tie(x.task, x.split, x.index) != std::tie(y.task, y.split, y.index))
      return std::tie(x.task, x.split, x.index) < std::tie(y.task, y.split, y.index);
    return a < b;
  });
  rows_dirty_ = false;
}

// ------------------------------------------------------------------------------------------------
// Episode

void EpisodePanel::draw(ViewerState& state, const Layout& layout, const FrameImages& images) {
  const float w = static_cast<float>(layout.width);
  ImGui::SetNextWindowPos(ImVec2(w - Layout::kRightPanelW, 0));
  ImGui::SetNextWindowSize(ImVec2(Layout::kRightPanelW, static_cast<float>(layout.height) - Layout::kBottomPanelH));
  ImGui::Begin("Episode", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  for (int slot = 0; slot < 2; ++slot) {
    if (!state.shown(slot)) continue;
    ImGui::PushID(slot);
    summary_.draw(state, slot);
    cameras_.draw(slot, images);
    if (slot == 0 && images.imagined_shown > 0) imagined_.draw(images);
    ImGui::Separator();
    ImGui::PopID();
  }
  if (state.live()) live_.draw(state);
  toggles_.draw(state);
  ImGui::End();
}

std::string EpisodeSummary::status_text(const ViewerState& state, int slot) {
  const EpisodeRecord& r = state.shown(slot)->episode.record;
  const bool finished = !state.live() || slot != 0 || state.live()->done();
  return finished ? r.status : (r.success ? "success" : "running");
}

void EpisodeSummary::draw(const ViewerState& state, int slot) {
  const Shown* s = state.shown(slot);
  const EpisodeRecord& r = s->episode.record;
  ImGui::TextColored(slot == 0 ? ImVec4(1, 1, 1, 1) : ImVec4(0.7f, 0.85f, 1, 1), "%s", s->episode.label.c_str());
  ImGui::TextWrapped("\"%s\"", r.instruction.c_str());
  const ImVec4 color = r.success ? ImVec4(0.4f, 0.9f, 0.4f, 1) : r.status == "error" ? ImVec4(1, 0.4f, 0.8f, 1)
                                                                                      : ImVec4(1, 0.45f, 0.4f, 1);
  ImGui::TextColored(color, "%s", status_text(state, slot).c_str());
  ImGui::SameLine();
  ImGui::Text(" progress: %s   steps: %d", r.progress_name.c_str(), s->episode.steps());
  if (!r.error.empty()) ImGui::TextWrapped("error: %s", r.error.c_str());
  if (s->episode.replay_max_qpos_diff >= 0)
    ImGui::TextDisabled("replay: max |qpos - recorded| = %.3g", s->episode.replay_max_qpos_diff);
  if (slot == 0 && state.live()) {
    ImGui::Text("policy in control: %s", state.live()->policy_in_control().c_str());
    if (state.live()->takeover_step() >= 0) {
      ImGui::SameLine();
      ImGui::Text("(since step %d)", state.live()->takeover_step());
    }
  }
}

void CameraViews::draw(int slot, const FrameImages& images) {
  // Camera images as the policy saw them at this state.
  const float px = slot == 0 ? 170.0f : 110.0f;
  ImGui::Image(texture(images.camera[slot][0]), ImVec2(px, px));
  ImGui::SameLine();
  ImGui::Image(texture(images.camera[slot][1]), ImVec2(px, px));
  if (slot == 0) ImGui::TextDisabled("front / wrist, %d x %d px, as the policy sees them", kCameraPx, kCameraPx);
}

void ImaginedFrames::draw(const FrameImages& images) {
  const float ipx = (Layout::kRightPanelW - 60) / FrameImages::kMaxImagined;
  ImGui::Text("imagined at step %d (every %d steps), then what happened:", images.imagined_query, images.imagined_stride);
  for (int j = 0; j < images.imagined_shown; ++j) {
    if (j) ImGui::SameLine();
    ImGui::Image(texture(images.imagined[j]), ImVec2(ipx, ipx));
  }
  for (int j = 0; j < images.imagined_shown; ++j) {
    if (j) ImGui::SameLine();
    if (images.real_known[j]) ImGui::Image(texture(images.real[j]), ImVec2(ipx, ipx));
    else ImGui::Dummy(ImVec2(ipx, ipx));
  }
}

void LiveControls::draw(ViewerState& state) {
  const ViewerOptions& opt = state.options();
  ImGui::Text("live episode");
  int index = static_cast<int>(opt.episode);
  ImGui::SetNextItemWidth(110);
  if (ImGui::InputInt("episode", &index) && index >= 0) state.set_live_episode(index);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(130);
  if (ImGui::BeginCombo("split", opt.split.c_str())) {
    for (Split split : all_splits())
      if (const std::string s = to_string(split); ImGui::Selectable(s.c_str(), s == opt.split)) state.set_live_split(s);
    ImGui::EndCombo();
  }
  ImGui::SetNextItemWidth(130);
  if (ImGui::BeginCombo("task", opt.task.c_str())) {
    for (const std::string& t : task_names())
      if (ImGui::Selectable(t.c_str(), t == opt.task)) state.set_live_task(t);
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  if (ImGui::BeginCombo("policy", opt.policy.c_str())) {
    for (const std::string& p : policy_names())
      if (p != "remote" && (!policy_needs_checkpoint(p) || !bundled_checkpoint(p).empty()) &&  // remote: needs a url
          ImGui::Selectable(p.c_str(), p == opt.policy))
        state.set_live_policy(p);
    ImGui::EndCombo();
  }
  if (ImGui::Button("restart (R)")) state.start_live();
  ImGui::SameLine();
  const bool can_take_over = state.can_take_over();
  if (!can_take_over) ImGui::BeginDisabled();
  if (ImGui::Button("scripted expert takes over (X)")) state.take_over();
  if (!can_take_over) ImGui::EndDisabled();
}

void OverlayToggles::draw(ViewerState& state) {
  ImGui::Checkbox("contacts (C)", reinterpret_cast<bool*>(&state.vis().flags[mjVIS_CONTACTPOINT]));
  ImGui::SameLine();
  ImGui::Checkbox("forces (F)", reinterpret_cast<bool*>(&state.vis().flags[mjVIS_CONTACTFORCE]));
  ImGui::Checkbox("EE frame (E)", &state.ee_frame);
  ImGui::SameLine();
  ImGui::Checkbox("target (T)", &state.target);
  ImGui::SameLine();
  ImGui::Checkbox("shadows (S)", &state.shadows);
  if (ImGui::Button("keys and mouse (H)")) state.help = !state.help;
  if (!state.message().empty()) ImGui::TextColored(ImVec4(1, 0.6f, 0.3f, 1), "%s", state.message().c_str());
}

// ------------------------------------------------------------------------------------------------
// Timeline

namespace {

// One plot row spanning the timeline: returns true (and sets the cursor) when clicked / dragged.
bool timeline_row(ViewerState& state, const char* id, float height,
                  const std::function<void(ImDrawList*, ImVec2, ImVec2)>& draw) {
  const float label_w = 70;
  ImGui::TextUnformatted(id);
  ImGui::SameLine(label_w);
  const ImVec2 lo = ImGui::GetCursorScreenPos();
  const ImVec2 size(ImGui::GetContentRegionAvail().x, height);
  ImGui::InvisibleButton(id, size);
  const ImVec2 hi(lo.x + size.x, lo.y + size.y);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(lo, hi, rgba(0.10f, 0.10f, 0.12f));
  draw(dl, lo, hi);
  // Cursor line.
  const int n = std::max(1, state.last_state());
  const float x = lo.x + size.x * static_cast<float>(state.cursor()) / n;
  dl->AddLine(ImVec2(x, lo.y), ImVec2(x, hi.y), rgba(1, 1, 1, 0.9f), 1.5f);
  if (ImGui::IsItemActive() && ImGui::IsMouseDown(0)) {
    const float f = std::clamp((ImGui::GetIO().MousePos.x - lo.x) / size.x, 0.0f, 1.0f);
    state.set_playing(false);
    state.set_cursor(static_cast<int>(std::lround(f * n)));
    return true;
  }
  return false;
}

}  // namespace

void TimelinePanel::draw(ViewerState& state, const Layout& layout, const FrameImages&) {
  const float x0 = layout.browse ? Layout::kBrowsePanelW : 0;
  ImGui::SetNextWindowPos(ImVec2(x0, static_cast<float>(layout.height) - Layout::kBottomPanelH));
  ImGui::SetNextWindowSize(ImVec2(static_cast<float>(layout.width) - x0, Layout::kBottomPanelH));
  ImGui::Begin("Timeline", nullptr,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoScrollbar);
  Shown* s = state.primary();
  if (!s) {
    ImGui::TextDisabled("no episode open");
    ImGui::End();
    return;
  }
  controls_.draw(state);
  plots_.draw(state);
  ImGui::End();
}

std::string PlaybackControls::phase_text(const ViewerState& state) {
  const Trajectory& t = state.primary()->episode.trajectory;
  std::string phase_now = state.cursor() > 0 && state.cursor() <= static_cast<int>(t.phases.size()) ? t.phases[state.cursor() - 1] : "-";
  if (state.cursor() > 0 && state.cursor() <= static_cast<int>(t.phases_coarse.size())) phase_now += " (" + t.phases_coarse[state.cursor() - 1] + ")";
  return phase_now;
}

void PlaybackControls::draw(ViewerState& state) {
  const Trajectory& t = state.primary()->episode.trajectory;
  if (ImGui::Button("|<")) state.set_cursor(0);
  ImGui::SameLine();
  if (ImGui::Button("<")) {
    state.set_playing(false);
    state.set_cursor(state.cursor() - 1);
  }
  ImGui::SameLine();
  if (ImGui::Button(state.playing() ? "pause" : "play ", ImVec2(50, 0))) state.set_playing(!state.playing());
  ImGui::SameLine();
  if (ImGui::Button(">")) {
    state.set_playing(false);
    state.advance();
  }
  ImGui::SameLine();
  if (ImGui::Button(">|")) state.set_cursor(state.last_state());
  ImGui::SameLine();
  float speed = static_cast<float>(state.speed());
  ImGui::SetNextItemWidth(110);
  if (ImGui::SliderFloat("speed", &speed, 0.25f, 4.0f, "x%.2f", ImGuiSliderFlags_Logarithmic)) state.set_speed(speed);
  ImGui::SameLine();
  int cursor = state.cursor();
  ImGui::SetNextItemWidth(200);
  if (ImGui::SliderInt("step", &cursor, 0, std::max(1, state.last_state()))) {
    state.set_playing(false);
    state.set_cursor(cursor);
  }
  ImGui::SameLine();
  ImGui::Text("t = %.1f s  phase: %s", state.cursor() * state.control_period_s(), phase_text(state).c_str());
  // Phase jumps.
  ImGui::TextUnformatted("jump to");
  for (const auto& [step, name] : phase_starts(t)) {
    ImGui::SameLine();
    ImGui::PushID(step);
    ImGui::PushStyleColor(ImGuiCol_Button, phase_color(name));
    ImGui::PushStyleColor(ImGuiCol_Text, rgba(0, 0, 0));
    if (ImGui::SmallButton(name.empty() ? "?" : name.c_str())) {
      state.set_playing(false);
      state.set_cursor(step + 1);
    }
    ImGui::PopStyleColor(2);
    ImGui::PopID();
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("progress stopped (G)")) {
    state.set_playing(false);
    state.set_cursor(progress_stop_step(t) + 1);
  }
}

void TimelinePlots::draw(ViewerState& state) {
  Shown* s = state.primary();
  const Trajectory& t = s->episode.trajectory;
  const int steps = s->episode.steps();
  const int n = std::max(1, state.last_state());
  auto x_of = [n](ImVec2 lo, ImVec2 hi, double k) { return lo.x + (hi.x - lo.x) * static_cast<float>(k / n); };
  // Phases as coloured bands: the state phase labels (fine label; coarse transit / interaction as
  // the lower strip), the same for every policy; below them, when the policy reports its own plan
  // (the scripted expert's stages), the "expert plan" series for comparison.
  auto coarse_color = [](const std::string& coarse) {
    return coarse == "interaction" ? rgba(0.95f, 0.3f, 0.3f) : rgba(0.3f, 0.5f, 0.95f);
  };
  timeline_row(state, "phase", 24, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
    for (int k = 0; k < steps && k < static_cast<int>(t.phases.size()); ++k) {
      const float xa = x_of(lo, hi, k), xb = x_of(lo, hi, k + 1);
      dl->AddRectFilled(ImVec2(xa, lo.y), ImVec2(xb, hi.y - 7), phase_color(t.phases[k]));
      if (k < static_cast<int>(t.phases_coarse.size()) && !t.phases_coarse[k].empty())
        dl->AddRectFilled(ImVec2(xa, hi.y - 6), ImVec2(xb, hi.y), coarse_color(t.phases_coarse[k]));
    }
    for (const auto& [k, name] : phase_starts(t)) {
      const float xa = x_of(lo, hi, k);
      if (x_of(lo, hi, k + 4) - xa > ImGui::CalcTextSize(name.c_str()).x * 0.6f)
        dl->AddText(ImVec2(xa + 2, lo.y + 1), rgba(0, 0, 0), name.c_str());
    }
  });
  const bool has_plan = std::any_of(t.plan_phases.begin(), t.plan_phases.end(), [](const std::string& p) { return !p.empty(); });
  if (has_plan)
    timeline_row(state, "expert plan", 18, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
      for (int k = 0; k < steps && k < static_cast<int>(t.plan_phases.size()); ++k) {
        const float xa = x_of(lo, hi, k), xb = x_of(lo, hi, k + 1);
        dl->AddRectFilled(ImVec2(xa, lo.y), ImVec2(xb, hi.y - 5), phase_color(t.plan_phases[k]));
        const std::string coarse = diag_string(t.diagnostics[k], "coarse");
        if (!coarse.empty()) dl->AddRectFilled(ImVec2(xa, hi.y - 4), ImVec2(xb, hi.y), coarse_color(coarse));
      }
    });
  // Actions, 7 lines in [-1, 1].
  timeline_row(state, "actions", 72, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
    const float mid = 0.5f * (lo.y + hi.y), half = 0.5f * (hi.y - lo.y) - 2;
    dl->AddLine(ImVec2(lo.x, mid), ImVec2(hi.x, mid), rgba(1, 1, 1, 0.15f));
    for (int a = 0; a < kActionDim; ++a) {
      for (int k = 1; k < steps; ++k) {
        const double v0 = std::clamp(t.actions[(k - 1) * kActionDim + a], -1.0, 1.0);
        const double v1 = std::clamp(t.actions[k * kActionDim + a], -1.0, 1.0);
        dl->AddLine(ImVec2(x_of(lo, hi, k), mid - half * static_cast<float>(v0)),
                    ImVec2(x_of(lo, hi, k + 1), mid - half * static_cast<float>(v1)), kActionColors[a], 1.2f);
      }
    }
    float x = lo.x + 4;
    for (int a = 0; a < kActionDim; ++a) {
      dl->AddText(ImVec2(x, lo.y), kActionColors[a], kActionNames[a]);
      x += ImGui::CalcTextSize(kActionNames[a]).x + 8;
    }
  });
  // Gripper opening (m) per state.
  timeline_row(state, "gripper", 28, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
    const std::vector<double>& g = s->episode.gripper_opening_m;
    for (size_t k = 1; k < g.size(); ++k)
      dl->AddLine(ImVec2(x_of(lo, hi, k - 1), hi.y - (hi.y - lo.y) * static_cast<float>(g[k - 1] / 0.08)),
                  ImVec2(x_of(lo, hi, k), hi.y - (hi.y - lo.y) * static_cast<float>(g[k] / 0.08)),
                  rgba(0.95f, 0.85f, 0.3f), 1.5f);
    dl->AddText(ImVec2(lo.x + 4, lo.y), rgba(0.7f, 0.7f, 0.7f), "opening 0..8 cm");
  });
  // Progress (sub-goals) as a step function, success as a green bar.
  const int subgoals = static_cast<int>(s->env->task().subgoals().size());
  timeline_row(state, "progress", 28, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
    for (int k = 0; k < steps; ++k) {
      const float xa = x_of(lo, hi, k), xb = x_of(lo, hi, k + 1);
      const float f = static_cast<float>(t.progress[k]) / std::max(1, subgoals);
      dl->AddRectFilled(ImVec2(xa, hi.y - (hi.y - lo.y - 6) * f), ImVec2(xb, hi.y), rgba(0.45f, 0.6f, 0.9f, 0.8f));
      if (t.success[k]) dl->AddRectFilled(ImVec2(xa, lo.y), ImVec2(xb, lo.y + 5), rgba(0.3f, 0.95f, 0.3f));
    }
    const int k = std::clamp(state.cursor() - 1, 0, std::max(0, steps - 1));
    const std::string label = steps > 0 && t.progress[k] > 0 ? s->env->task().subgoals()[t.progress[k] - 1] : "none";
    dl->AddText(ImVec2(lo.x + 4, lo.y + 5), rgba(1, 1, 1), ("sub-goal: " + label).c_str());
  });
  // The side-by-side partner's progress and success.
  if (Shown* b = state.shown(1)) {
    const Trajectory& tb = b->episode.trajectory;
    timeline_row(state, "B", 20, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
      for (int k = 0; k < b->episode.steps(); ++k) {
        const float xa = x_of(lo, hi, k), xb = x_of(lo, hi, k + 1);
        const float f = static_cast<float>(tb.progress[k]) / std::max(1, subgoals);
        dl->AddRectFilled(ImVec2(xa, hi.y - (hi.y - lo.y - 5) * f), ImVec2(xb, hi.y), rgba(0.7f, 0.85f, 1.0f, 0.7f));
        if (tb.success[k]) dl->AddRectFilled(ImVec2(xa, lo.y), ImVec2(xb, lo.y + 4), rgba(0.3f, 0.95f, 0.3f));
      }
    });
  }
  // HarmoWAM's gate and active expert, when the policy reports them.
  bool has_gate = false;
  for (const nlohmann::json& d : t.diagnostics) has_gate |= d.is_object() && (d.contains("gate") || d.contains("expert"));
  if (has_gate) {
    timeline_row(state, "gate", 28, [&](ImDrawList* dl, ImVec2 lo, ImVec2 hi) {
      // Active expert (diagnostic "expert") as a band along the bottom, coloured like the phases.
      for (int k = 0; k < steps; ++k) {
        const std::string expert = diag_string(t.diagnostics[k], "expert");
        if (!expert.empty())
          dl->AddRectFilled(ImVec2(x_of(lo, hi, k), hi.y - 6), ImVec2(x_of(lo, hi, k + 1), hi.y), phase_color(expert));
      }
      for (int k = 1; k < steps; ++k) {
        const nlohmann::json &da = t.diagnostics[k - 1], &db = t.diagnostics[k];
        if (!da.is_object() || !db.is_object() || !da.contains("gate") || !db.contains("gate")) continue;
        if (!da["gate"].is_number() || !db["gate"].is_number()) continue;
        const double g0 = da["gate"].get<double>(), g1 = db["gate"].get<double>();
        dl->AddLine(ImVec2(x_of(lo, hi, k), hi.y - (hi.y - lo.y) * static_cast<float>(g0)),
                    ImVec2(x_of(lo, hi, k + 1), hi.y - (hi.y - lo.y) * static_cast<float>(g1)), rgba(1, 0.5f, 0.2f),
                    1.5f);
      }
      dl->AddText(ImVec2(lo.x + 4, lo.y), rgba(0.7f, 0.7f, 0.7f), "gate 0..1, band: active expert");
    });
  }
}

// ------------------------------------------------------------------------------------------------
// Help

void HelpPanel::draw(ViewerState& state, const Layout& layout, const FrameImages&) {
  if (!state.help) return;
  const ImVec2 size(430, 390);
  ImGui::SetNextWindowPos(ImVec2(0.5f * (layout.width - size.x), 0.5f * (layout.height - size.y)));
  ImGui::SetNextWindowSize(size);
  ImGui::SetNextWindowBgAlpha(0.92f);
  ImGui::Begin("Keyboard and mouse (H to close)", &state.help, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize);
  static const char* rows[][2] = {
      {"space", "play / pause"},
      {"right / left", "step forward / back (live: forward runs the policy)"},
      {"home / end", "first / last step"},
      {"up / down", "speed x2 / x0.5 (x0.25 .. x4)"},
      {"page down / up", "next / previous phase start"},
      {"G", "jump to where progress stopped"},
      {"R", "restart (live) / rewind (replay)"},
      {"N / P", "live: next / previous episode index"},
      {"X", "live: the scripted expert takes over"},
      {"C / F", "contact points / contact forces"},
      {"E / T / S", "EE frame / target region / shadows"},
      {"H, F1", "this help"},
      {"Q, Esc", "quit"},
      {"left drag", "orbit (shift: horizontal)"},
      {"right drag", "pan (shift: horizontal)"},
      {"wheel, middle drag", "zoom"},
      {"click / drag a plot", "scrub the timeline"},
  };
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
    for (const auto& row : rows) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextColored(ImVec4(1, 0.85f, 0.4f, 1), "%s", row[0]);
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(row[1]);
    }
    ImGui::EndTable();
  }
  ImGui::End();
}


// ------------------------------------------------------------------------------------------------

Panels::Panels(ViewerState::Mode mode) {
  if (mode == ViewerState::Mode::kBrowse) browser_ = std::make_unique<EpisodeBrowserPanel>();
}

void Panels::draw(ViewerState& state, const Layout& layout, const FrameImages& images) {
  if (browser_) browser_->draw(state, layout, images);
  episode_.draw(state, layout, images);
  timeline_.draw(state, layout, images);
  help_.draw(state, layout, images);
}

}  // namespace wambench::viewer
