// Option helpers shared by the subcommands (cli/commands.h).
#include <cctype>
#include <string>

#include "cli/commands.h"

namespace wambench::cli {

CLI::Validator seed_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const std::string kValid = "seeds are unsigned integers 0..9223372036854775807 (2^63 - 1)";
        if (value.empty() || value.size() > 19) return "'" + value + "' is not a seed: " + kValid;
        for (char c : value)
          if (!std::isdigit(static_cast<unsigned char>(c))) return "'" + value + "' is not a seed: " + kValid;
        if (value.size() == 19 && value > "9223372036854775807") return "'" + value + "' is too large: " + kValid;
        return "";
      },
      "SEED");
}

}  // namespace wambench::cli
