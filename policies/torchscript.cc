#include "policies/torchscript.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "policies/demo_dataset.h"
#include "policies/vla_model.h"

namespace wambench {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Where the archive keeps torch.jit.save's _extra_files entries (relative to its top folder).
constexpr const char* kMetadataRecord = "extra/wambench.json";

}  // namespace

const std::vector<std::string>& torchscript_input_names() {
  static const std::vector<std::string> kNames = {"front", "wrist", "state", "tokens"};
  return kNames;
}

const std::vector<std::string>& torchscript_metadata_keys() {
  static const std::vector<std::string> kKeys = {
      "format",     "inputs",     "front_size",  "wrist_size", "instruction_buckets", "state_mean", "state_std",
      "action_mean", "action_std", "chunk",       "execute",    "description"};
  return kKeys;
}

bool TorchScriptContract::takes(const std::string& name) const {
  return std::find(inputs.begin(), inputs.end(), name) != inputs.end();
}

nlohmann::json torchscript_metadata(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error("no TorchScript file '" + path + "'");
  std::string text;
  bool found = false;
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    if (reader.hasRecord(kMetadataRecord)) {
      auto [data, size] = reader.getRecord(kMetadataRecord);
      text.assign(static_cast<const char*>(data.get()), size);
      found = true;
    }
  } catch (const c10::Error& e) {
    throw std::runtime_error("'" + path + "' is not a TorchScript archive (truncated or corrupt? export it with "
                             "torch.jit.save): " + e.what_without_backtrace());
  }
  if (!found) {
    std::string hint;
    try {
      hint = " (it is a wambench '" + checkpoint_metadata(path).value("policy", std::string("?")) +
             "' checkpoint: list it under that policy's name instead)";
    } catch (const std::exception&) {
    }
    throw std::runtime_error("'" + path + "' has no wambench.json metadata" + hint +
                             "; save the module with torch.jit.save(module, path, _extra_files={\"wambench.json\": "
                             "json.dumps(meta)}) (policies/torchscript.h lists the keys; "
                             "examples/torchscript/export_policy.py shows one)");
  }
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error("'" + path + "': malformed wambench.json: " + e.what());
  }
  if (!meta.is_object()) throw std::runtime_error("'" + path + "': wambench.json must be a JSON object, got " + meta.dump());
  return meta;
}

TorchScriptContract torchscript_contract(const nlohmann::json& metadata, const nlohmann::json& options,
                                         const std::string& path) {
  const auto& keys = torchscript_metadata_keys();
  const auto known = [&](const std::string& k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); };
  for (const auto& [k, v] : metadata.items())
    if (!known(k))
      throw std::runtime_error("'" + path + "': wambench.json has an unknown key '" + k + "'; valid keys: " + join(keys));
  nlohmann::json merged = metadata;
  std::set<std::string> from_options;
  if (!options.is_null() && !options.is_object())
    throw std::runtime_error("torchscript options must be a JSON object, got " + options.dump());
  if (options.is_object())
    for (const auto& [k, v] : options.items()) {
      if (k == "format" || k == "inputs")
        throw std::runtime_error("torchscript options cannot change \"" + k +
                                 "\": it describes the module itself (its wambench.json)");
      if (!known(k))
        throw std::runtime_error("unknown torchscript option '" + k + "'; valid options: front_size, wrist_size, "
                                 "instruction_buckets, state_mean, state_std, action_mean, action_std, chunk, "
                                 "execute, description");
      from_options.insert(k);
      if (v.is_null()) merged.erase(k);
      else merged[k] = v;
    }
  const auto fail = [&](const std::string& key, const std::string& what) -> std::runtime_error {
    return std::runtime_error("'" + path + "': \"" + key + "\" (" +
                              (from_options.count(key) ? "from the entry's options" : "in wambench.json") + "): " + what);
  };
  const auto get_int = [&](const std::string& key, int lo, int hi) {
    const nlohmann::json& v = merged.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
      throw fail(key, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + v.dump());
    return static_cast<int>(v.get<int64_t>());
  };

  TorchScriptContract c;
  if (!merged.contains("format"))
    throw std::runtime_error("'" + path + "': wambench.json has no \"format\"; expected \"" + kTorchScriptFormat + "\"");
  if (merged.at("format") != kTorchScriptFormat)
    throw fail("format", "expected \"" + std::string(kTorchScriptFormat) + "\", got " + merged.at("format").dump());
  const auto& valid_inputs = torchscript_input_names();
  if (!merged.contains("inputs"))
    throw std::runtime_error("'" + path + "': wambench.json has no \"inputs\" (forward's argument names in order, from " +
                             join(valid_inputs) + ")");
  const nlohmann::json& inputs = merged.at("inputs");
  if (!inputs.is_array() || inputs.empty())
    throw fail("inputs", "expected a non-empty list of forward's argument names from " + join(valid_inputs) + ", got " +
                             inputs.dump());
  for (const auto& e : inputs) {
    const std::string n = e.is_string() ? e.get<std::string>() : e.dump();
    if (!e.is_string() || std::find(valid_inputs.begin(), valid_inputs.end(), n) == valid_inputs.end())
      throw fail("inputs", "unknown input " + (e.is_string() ? "'" + n + "'" : n) + "; valid inputs: " + join(valid_inputs));
    if (c.takes(n)) throw fail("inputs", "'" + n + "' listed twice");
    c.inputs.push_back(n);
  }
  const auto required_int = [&](const std::string& input, const std::string& key, int lo, int hi) {
    if (!c.takes(input)) return 0;
    if (!merged.contains(key))
      throw std::runtime_error("'" + path + "': wambench.json has no \"" + key + "\", which the input '" + input +
                               "' needs (an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "])");
    return get_int(key, lo, hi);
  };
  c.front_size = required_int("front", "front_size", 8, 1024);
  c.wrist_size = required_int("wrist", "wrist_size", 8, 1024);
  c.instruction_buckets = required_int("tokens", "instruction_buckets", 1, 1 << 30);
  const auto stats = [&](const std::string& mean_key, const std::string& std_key, size_t n, std::vector<float>* mean,
                         std::vector<float>* stddev) {
    if (merged.contains(mean_key) != merged.contains(std_key))
      throw fail(merged.contains(mean_key) ? mean_key : std_key,
                 "\"" + mean_key + "\" and \"" + std_key + "\" come together (give both or neither)");
    if (!merged.contains(mean_key)) return;
    for (const auto& [key, out] : {std::pair{mean_key, mean}, std::pair{std_key, stddev}}) {
      const nlohmann::json& v = merged.at(key);
      if (!v.is_array() || v.size() != n || !std::all_of(v.begin(), v.end(), [](const auto& x) { return x.is_number(); }))
        throw fail(key, "expected a list of " + std::to_string(n) + " numbers, got " + v.dump());
      for (const auto& x : v) out->push_back(x.get<float>());
    }
    for (float s : *stddev)
      if (!(s > 0 && std::isfinite(s))) throw fail(std_key, "every std must be positive and finite");
    for (float m : *mean)
      if (!std::isfinite(m)) throw fail(mean_key, "every mean must be finite");
  };
  stats("state_mean", "state_std", kProprioDim, &c.state_mean, &c.state_std);
  stats("action_mean", "action_std", 7, &c.action_mean, &c.action_std);
  if (merged.contains("chunk")) c.chunk = get_int("chunk", 1, 1024);
  if (merged.contains("execute")) c.execute = get_int("execute", 1, c.chunk > 0 ? c.chunk : 1024);
  if (merged.contains("description") && !merged.at("description").is_string())
    throw fail("description", "expected a string, got " + merged.at("description").dump());
  return c;
}

struct TorchScriptPolicy::Module {
  torch::jit::script::Module module;
};

TorchScriptPolicy::TorchScriptPolicy(const std::string& path, const nlohmann::json& options)
    : path_(path), contract_(torchscript_contract(torchscript_metadata(path), options, path)) {
  module_ = std::make_unique<Module>();
  try {
    module_->module = torch::jit::load(path, torch::kCPU);
  } catch (const c10::Error& e) {
    throw std::runtime_error("'" + path + "': LibTorch cannot load the TorchScript module: " + e.what_without_backtrace());
  }
  module_->module.eval();
  const auto method = module_->module.find_method("forward");
  if (!method) throw std::runtime_error("'" + path + "': the module has no forward method");
  const c10::FunctionSchema& schema = method->function().getSchema();
  std::vector<std::string> found;
  for (size_t i = 1; i < schema.arguments().size(); ++i) found.push_back(schema.arguments()[i].name());  // [0]: self
  if (found != contract_.inputs)
    throw std::runtime_error("'" + path + "': forward(" + join(found) + ") does not match wambench.json \"inputs\" [" +
                             join(contract_.inputs) + "]: forward must take exactly these Tensor arguments, in this "
                             "order (valid input names: " + join(torchscript_input_names()) + "); schema: " +
                             c10::toString(schema));
  for (size_t i = 1; i < schema.arguments().size(); ++i) {
    const c10::Argument& a = schema.arguments()[i];
    if (a.type()->kind() != c10::TypeKind::TensorType)
      throw std::runtime_error("'" + path + "': forward's argument '" + a.name() + "' is declared " + a.type()->str() +
                               "; wambench passes a Tensor (policies/torchscript.h)");
  }
  if (schema.returns().size() != 1 || schema.returns()[0].type()->kind() != c10::TypeKind::TensorType) {
    std::string returns;
    for (const auto& r : schema.returns()) returns += (returns.empty() ? "" : ", ") + r.type()->str();
    throw std::runtime_error("'" + path + "': forward returns " + (returns.empty() ? "nothing" : returns) +
                             "; wambench expects one Tensor [1, H, 7] (an action chunk)");
  }
  hash_ = file_sha256(path);
  // One intra-op thread: the runner gives each worker its own policy, one core each.
  at::set_num_threads(1);
}

TorchScriptPolicy::~TorchScriptPolicy() = default;

bool TorchScriptPolicy::needs_images() const { return contract_.takes("front") || contract_.takes("wrist"); }

void TorchScriptPolicy::reset(const EpisodeInfo& info) {
  if (contract_.takes("tokens")) tokens_ = instruction_tokens(info.instruction, contract_.instruction_buckets);
}

std::vector<float> TorchScriptPolicy::forward_raw(const Observation& obs) {
  auto image = [&](const std::string& camera, int size) {
    const auto it = obs.images.find(camera);
    if (it == obs.images.end()) throw std::runtime_error("'" + path_ + "': the observation has no '" + camera + "' image");
    const Image& im = it->second;
    if (im.height != im.width || im.height % size != 0)
      throw std::runtime_error("'" + path_ + "': the '" + camera + "' image is " + std::to_string(im.height) + "x" +
                               std::to_string(im.width) + " px; the module takes " + std::to_string(size) +
                               " px, so the render must be a square multiple of it (eval config \"image_size\")");
    const int k = im.height / size;
    const std::vector<uint8_t> pooled = k == 1 ? im.rgb : pool_images(im.rgb.data(), 1, size, k);
    return images_to_tensor(pooled.data(), 1, size);
  };
  std::vector<c10::IValue> args;
  for (const std::string& input : contract_.inputs) {
    if (input == "front") {
      args.emplace_back(image("front", contract_.front_size));
    } else if (input == "wrist") {
      args.emplace_back(image("wrist", contract_.wrist_size));
    } else if (input == "state") {
      std::vector<float> state = proprio_vector(obs);
      if (!contract_.state_mean.empty())
        for (int k = 0; k < kProprioDim; ++k) state[k] = (state[k] - contract_.state_mean[k]) / contract_.state_std[k];
      args.emplace_back(torch::from_blob(state.data(), {1, kProprioDim}, torch::kFloat32).clone());
    } else {
      args.emplace_back(torch::tensor(tokens_, torch::kInt64));
    }
  }
  c10::IValue out;
  {
    torch::NoGradGuard no_grad;
    try {
      out = module_->module.forward(args);
    } catch (const c10::Error& e) {
      throw std::runtime_error("'" + path_ + "': forward raised: " + e.what_without_backtrace());
    } catch (const std::exception& e) {  // e.g. torch::jit::JITException from a `raise` in the module
      throw std::runtime_error("'" + path_ + "': forward raised: " + e.what());
    }
  }
  const std::string expected =
      "expected [1, " + (contract_.chunk > 0 ? std::to_string(contract_.chunk) : std::string("H")) +
      ", 7] (one observation, " + (contract_.chunk > 0 ? "\"chunk\"" : std::string("H >= 1")) +
      " actions of [dx, dy, dz, droll, dpitch, dyaw, gripper])";
  if (!out.isTensor())
    throw std::runtime_error("'" + path_ + "': forward returned a " + out.tagKind() + ", " + expected);
  const torch::Tensor t = out.toTensor();
  if (t.dim() != 3 || t.size(0) != 1 || t.size(1) < 1 || t.size(2) != 7 ||
      (contract_.chunk > 0 && t.size(1) != contract_.chunk))
    throw std::runtime_error("'" + path_ + "': forward returned shape " + c10::str(t.sizes()) + ", " + expected);
  if (!t.is_floating_point())
    throw std::runtime_error("'" + path_ + "': forward returned " + std::string(c10::toString(t.scalar_type())) +
                             " values; expected floating point");
  const torch::Tensor f = t.to(torch::kFloat32).contiguous();
  return std::vector<float>(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
}

PolicyOutput TorchScriptPolicy::act(const Observation& obs) {
  const std::vector<float> raw = forward_raw(obs);
  const bool standardized = !contract_.action_mean.empty();
  PolicyOutput out;
  for (size_t h = 0; h * 7 < raw.size(); ++h) {
    Action a;
    for (int k = 0; k < 7; ++k) {
      double v = raw[h * 7 + k];
      if (standardized) v = v * contract_.action_std[k] + contract_.action_mean[k];
      if (!std::isfinite(v))
        throw std::runtime_error("'" + path_ + "': forward returned a non-finite value (" + std::to_string(raw[h * 7 + k]) +
                                 ") at action " + std::to_string(h) + ", component " + std::to_string(k));
      a[k] = k == 6 ? (v > 0 ? 1.0 : -1.0) : std::clamp(v, -1.0, 1.0);
    }
    out.chunk.push_back(a);
  }
  out.execute_steps = contract_.execute;
  return out;
}

}  // namespace wambench
