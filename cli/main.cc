// wambench: benchmark and evaluation harness for world-action models in robot manipulation.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "eval/oracle_policy.h"

namespace {

std::string valid_subcommands(const CLI::App& app) {
  std::string out;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (!out.empty()) out += ", ";
    out += sub->get_name();
  }
  return out;
}

std::string valid_options(const CLI::App& app) {
  std::string out;
  for (const CLI::Option* opt : app.get_options()) {
    const std::string name = opt->get_name();
    if (name.empty() || opt->get_group().empty()) continue;  // hidden options are not offered
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "wambench: a MuJoCo benchmark and evaluation harness for world-action models in robot "
      "manipulation.\nRun `wambench COMMAND --help` for a command's options.",
      "wambench"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("wambench ") + WAMBENCH_VERSION);
  wambench::register_oracle_policies();  // "scripted" for make_policy() (eval/oracle_policy.h)

  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  std::map<const CLI::App*, wambench::cli::CommandRunner> runners;
  auto add = [&](auto adder) {
    auto runner = adder(app);
    runners[app.get_subcommands({}).back()] = runner;
  };
  add(wambench::cli::add_info_command);
  add(wambench::cli::add_render_command);
  add(wambench::cli::add_episodes_command);
  add(wambench::cli::add_experts_command);
  add(wambench::cli::add_eval_command);
  add(wambench::cli::add_report_command);
  add(wambench::cli::add_compare_command);
  add(wambench::cli::add_merge_command);
  add(wambench::cli::add_slurm_command);
  add(wambench::cli::add_collect_command);
  add(wambench::cli::add_serve_command);
  add(wambench::cli::add_real_command);
  add(wambench::cli::add_twin_command);
  add([&](CLI::App& a) { return wambench::cli::add_train_command(a, &command_line); });
  add(wambench::cli::add_view_command);
  add(wambench::cli::add_correlate_command);

  // An unknown first word is an unknown command: say so and list the valid ones.
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) known |= sub->check_name(argv[1]);
    if (!known) {
      std::cerr << "error: unknown command '" << argv[1] << "'; valid commands: "
                << valid_subcommands(app) << "\n";
      return 2;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << "\n";
    const CLI::App* where = &app;
    for (const CLI::App* sub : app.get_subcommands()) where = sub;
    if (where == &app) {
      std::cerr << "valid commands: " << valid_subcommands(app) << "\n";
    } else {
      std::cerr << "valid options of '" << where->get_name() << "': " << valid_options(*where)
                << "\n";
    }
    return 2;
  }

  for (const CLI::App* sub : app.get_subcommands()) {
    try {
      return runners.at(sub)();
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      return 2;
    }
  }
  return 2;
}
