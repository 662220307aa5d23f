#include "exit_status.hpp"

#include <sstream>

namespace promtls::cli {

std::string exit_status_footer(std::initializer_list<ExitStatusMeaning> meanings) {
  std::string text = "Exit status:";
  bool first = true;
  for (const ExitStatusMeaning& m : meanings) {
    text += (first ? " " : ", ") + std::to_string(to_int(m.code)) + " " + std::string(m.meaning);
    first = false;
  }
  text += ".";
  constexpr std::size_t kWidth = 89;
  std::string out = "\n";
  std::string line;
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > kWidth) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line + "\n";
}

}  // namespace promtls::cli
