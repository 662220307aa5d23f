#include "promtls/core/exposition.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace promtls::core {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_label_start(char c) { return c != ':' && is_name_start(c); }
bool is_label_char(char c) { return c != ':' && is_name_char(c); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Go's strconv.ParseFloat as expfmt uses it: decimal and exponent forms, an optional sign,
// "Inf"/"Infinity"/"NaN" in any case.
std::optional<double> parse_float(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (iequals(body, "inf") || iequals(body, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (iequals(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
  if (body.empty() || body[0] == '+' || body[0] == '-') return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (end != body.data() + body.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Go returns ±Inf (with an error expfmt reports); treat as malformed like expfmt does.
    return std::nullopt;
  }
  if (ec != std::errc{}) return std::nullopt;
  return negative ? -value : value;
}

std::optional<std::int64_t> parse_int64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s[0] == '+') s.remove_prefix(1);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

bool valid_type(std::string_view t) {
  return t == "counter" || t == "gauge" || t == "histogram" || t == "summary" || t == "untyped";
}

// A cursor over one line.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;
  bool done() const { return pos >= text.size(); }
  char peek() const { return text[pos]; }
  void skip_blanks() {
    while (!done() && is_blank(peek())) ++pos;
  }
  std::string_view token() {  // up to the next blank
    const std::size_t start = pos;
    while (!done() && !is_blank(peek())) ++pos;
    return text.substr(start, pos - start);
  }
};

class Parser {
 public:
  explicit Parser(const ExpositionLimits& limits) : limits_(limits) {}

  Exposition run(std::string_view text) {
    if (text.size() > limits_.max_bytes) {
      out_.not_checked_whole = "the body is " + std::to_string(text.size()) +
                               " bytes, over the limit of " + std::to_string(limits_.max_bytes);
      return std::move(out_);
    }
    std::size_t line_no = 0;
    std::size_t start = 0;
    while (start < text.size() && out_.not_checked_whole.empty()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      ++line_no;
      line_ = line_no;
      if (line_no % 1024 == 0 && out_of_time()) break;
      parse_line(text.substr(start, end - start));
      start = end + 1;
    }
    return std::move(out_);
  }

 private:
  const ExpositionLimits& limits_;

  // Stops the parse at the current line for `why`.
  void stop(const std::string& why) {
    if (out_.not_checked_whole.empty()) out_.not_checked_whole = why;
  }
  bool out_of_time() {
    if (!limits_.out_of_time || !limits_.out_of_time()) return false;
    stop("parsing ran out of time at line " + std::to_string(line_));
    return true;
  }

  void error(std::string message) {
    if (out_.errors.size() >= limits_.max_errors) {
      stop("more than " + std::to_string(limits_.max_errors) + " format errors (stopped at line " +
           std::to_string(line_) + ")");
      return;
    }
    out_.errors.push_back({line_, std::move(message)});
  }

  // The family a sample or metadata line named `name` belongs to, or nullptr.
  ExpositionFamily* find_family(const std::string& name) {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &out_.families[it->second];
  }

  // The family `name`, added when new; nullptr (and the parse stopped) when that would exceed
  // max_families.
  ExpositionFamily* family_for_metadata(const std::string& name) {
    if (ExpositionFamily* f = find_family(name)) return f;
    if (out_.families.size() >= limits_.max_families) {
      stop("more than " + std::to_string(limits_.max_families) + " metric families (line " +
           std::to_string(line_) + ")");
      return nullptr;
    }
    index_[name] = out_.families.size();
    out_.families.push_back(ExpositionFamily{name, "untyped", std::nullopt, {}});
    return &out_.families.back();
  }

  // Histogram and summary samples carry suffixes; they belong to the base family when it was
  // declared with that type (as expfmt resolves them).
  std::string family_name_of(const std::string& sample_name) const {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (sample_name.size() > suffix.size() &&
          sample_name.compare(sample_name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        const std::string base = sample_name.substr(0, sample_name.size() - suffix.size());
        const auto it = index_.find(base);
        if (it == index_.end()) continue;
        const std::string& type = out_.families[it->second].type;
        if (type == "histogram" || (type == "summary" && suffix != "_bucket")) return base;
      }
    }
    return sample_name;
  }

  void parse_line(std::string_view line) {
    Cursor c{line};
    c.skip_blanks();
    if (c.done()) return;
    if (c.peek() == '#') {
      ++c.pos;
      parse_comment(c);
      return;
    }
    parse_sample(c);
  }

  void parse_comment(Cursor& c) {
    c.skip_blanks();
    const std::string_view keyword = c.token();
    if (keyword != "HELP" && keyword != "TYPE") return;  // an ordinary comment
    c.skip_blanks();
    if (c.done()) return;  // "# HELP" alone is a comment, as in expfmt
    const std::string_view name = c.token();
    if (!valid_metric_name(name)) {
      error("invalid metric name in comment: \"" + std::string(name) + "\"");
      return;
    }
    const std::string family_name(name);
    if (!c.done()) ++c.pos;  // the one blank after the name
    if (keyword == "HELP") {
      std::string help;
      for (; !c.done(); ++c.pos) {
        const char ch = c.peek();
        if (ch != '\\') {
          help += ch;
          continue;
        }
        ++c.pos;
        if (c.done()) {
          error("invalid escape sequence at the end of the HELP text of " + family_name);
          return;
        }
        if (c.peek() == '\\') {
          help += '\\';
        } else if (c.peek() == 'n') {
          help += '\n';
        } else {
          error("invalid escape sequence \"\\" + std::string(1, c.peek()) + "\" in the HELP of " +
                family_name);
          return;
        }
      }
      ExpositionFamily* found = family_for_metadata(family_name);
      if (found == nullptr) return;
      ExpositionFamily& f = *found;
      if (f.help) {
        error("second HELP line for metric name \"" + family_name + "\"");
        return;
      }
      f.help = std::move(help);
      touch(family_name);
      return;
    }
    c.skip_blanks();
    const std::string_view type = c.token();
    c.skip_blanks();
    if (!c.done() || type.empty()) {
      error("invalid TYPE line for \"" + family_name + "\": expected one word after the name");
      return;
    }
    if (!valid_type(type)) {
      error("unknown metric type \"" + std::string(type) + "\"");
      return;
    }
    ExpositionFamily* existing = find_family(family_name);
    if (existing != nullptr && (typed_.count(family_name) != 0 || !existing->samples.empty())) {
      error("second TYPE line for metric name \"" + family_name +
            "\", or TYPE reported after samples");
      return;
    }
    ExpositionFamily* f = family_for_metadata(family_name);
    if (f == nullptr) return;
    f->type = std::string(type);
    typed_.insert(family_name);
    touch(family_name);
  }

  static bool valid_metric_name(std::string_view name) {
    if (name.empty() || !is_name_start(name[0])) return false;
    for (char ch : name) {
      if (!is_name_char(ch)) return false;
    }
    return true;
  }

  // Records that the family is the one currently being written; a family whose lines resume
  // after another family's is not grouped.
  void touch(const std::string& family) {
    if (family == current_) return;
    if (finished_.count(family) != 0) {
      error("lines of metric family \"" + family +
            "\" are not grouped together (an earlier group ended before line " +
            std::to_string(first_gap_[family]) + ")");
    }
    if (!current_.empty()) {
      finished_.insert(current_);
      first_gap_.emplace(current_, line_);
    }
    current_ = family;
  }

  void parse_sample(Cursor& c) {
    const std::size_t start = c.pos;
    while (!c.done() && is_name_char(c.peek())) ++c.pos;
    const std::string_view name = c.text.substr(start, c.pos - start);
    if (!valid_metric_name(name)) {
      std::string_view bad = c.text.substr(start);
      bad = bad.substr(0, bad.find_first_of(" \t{"));
      error("invalid metric name \"" + std::string(bad) + "\"");
      return;
    }
    std::vector<std::pair<std::string, std::string>> labels;
    if (!c.done() && c.peek() == '{') {
      ++c.pos;
      if (!parse_labels(c, labels)) return;
    }
    if (c.done() || !is_blank(c.peek())) {
      if (c.done()) {
        error("expected a value after metric \"" + std::string(name) + "\"");
      } else {
        error("invalid character '" + std::string(1, c.peek()) + "' after metric name \"" +
              std::string(name) + "\"");
      }
      return;
    }
    c.skip_blanks();
    const std::string_view value_text = c.token();
    const auto value = parse_float(value_text);
    if (!value) {
      error("expected float as value, got \"" + std::string(value_text) + "\"");
      return;
    }
    c.skip_blanks();
    std::optional<std::int64_t> timestamp;
    if (!c.done()) {
      const std::string_view ts_text = c.token();
      timestamp = parse_int64(ts_text);
      if (!timestamp) {
        error("expected integer as timestamp, got \"" + std::string(ts_text) + "\"");
        return;
      }
      c.skip_blanks();
      if (!c.done()) {
        error("spurious string after timestamp: \"" + std::string(c.text.substr(c.pos)) + "\"");
        return;
      }
    }

    const std::string sample_name(name);
    const std::string family_name = family_name_of(sample_name);
    ExpositionFamily* found = family_for_metadata(family_name);
    if (found == nullptr) return;
    ExpositionFamily& f = *found;
    if (f.type == "histogram" && sample_name == family_name + "_bucket") {
      const auto le =
          std::find_if(labels.begin(), labels.end(), [](const auto& l) { return l.first == "le"; });
      if (le == labels.end()) {
        error("histogram bucket \"" + sample_name + "\" has no \"le\" label");
        return;
      }
      if (!parse_float(le->second)) {
        error("histogram bucket \"" + sample_name + "\" has a non-numeric le=\"" + le->second +
              "\"");
        return;
      }
    }
    if (f.type == "summary" && sample_name == family_name) {
      const auto q = std::find_if(labels.begin(), labels.end(),
                                  [](const auto& l) { return l.first == "quantile"; });
      if (q == labels.end()) {
        error("summary sample \"" + sample_name + "\" has no \"quantile\" label");
        return;
      }
      if (!parse_float(q->second)) {
        error("summary sample \"" + sample_name + "\" has a non-numeric quantile=\"" + q->second +
              "\"");
        return;
      }
    }
    if (f.type == "histogram" && sample_name == family_name) {
      error("histogram \"" + family_name + "\" has a sample without _bucket, _sum or _count");
      return;
    }

    auto sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    std::string key = sample_name;
    for (const auto& [k, v] : sorted) key += '\x1f' + k + '\x1e' + v;
    if (!series_.insert(key).second) {
      error("duplicate sample for \"" + sample_name + "\" with the same labels");
      return;
    }
    touch(family_name);
    f.samples.push_back(ExpositionSample{sample_name, std::move(labels), *value, timestamp, line_});
  }

  bool parse_labels(Cursor& c, std::vector<std::pair<std::string, std::string>>& labels) {
    // The names seen so far: a repeat is found in O(log n), not by a scan of the earlier labels
    // (one sample with 100,000 labels took 18 s that way).
    std::set<std::string, std::less<>> names;
    for (;;) {
      c.skip_blanks();
      if (c.done()) {
        error("unexpected end of line in the label set");
        return false;
      }
      if (c.peek() == '}') {
        ++c.pos;
        return true;
      }
      if (labels.size() >= limits_.max_labels_per_sample) {
        stop("a sample on line " + std::to_string(line_) + " has more than " +
             std::to_string(limits_.max_labels_per_sample) + " labels");
        return false;
      }
      if (!labels.empty() && labels.size() % 1024 == 0 && out_of_time()) return false;
      const std::size_t start = c.pos;
      if (!is_label_start(c.peek())) {
        error("invalid label name starting at '" + std::string(1, c.peek()) + "'");
        return false;
      }
      while (!c.done() && is_label_char(c.peek())) ++c.pos;
      std::string label(c.text.substr(start, c.pos - start));
      c.skip_blanks();
      if (c.done() || c.peek() != '=') {
        error("expected '=' after label name \"" + label + "\"");
        return false;
      }
      ++c.pos;
      c.skip_blanks();
      if (c.done() || c.peek() != '"') {
        error("expected '\"' at start of the value of label \"" + label + "\"");
        return false;
      }
      ++c.pos;
      std::string value;
      bool closed = false;
      while (!c.done()) {
        const char ch = c.peek();
        ++c.pos;
        if (ch == '"') {
          closed = true;
          break;
        }
        if (ch != '\\') {
          value += ch;
          continue;
        }
        if (c.done()) break;
        const char esc = c.peek();
        ++c.pos;
        if (esc == '\\' || esc == '"') {
          value += esc;
        } else if (esc == 'n') {
          value += '\n';
        } else {
          error("invalid escape sequence \"\\" + std::string(1, esc) +
                "\" in the value of label \"" + label + "\"");
          return false;
        }
      }
      if (!closed) {
        error("unterminated value of label \"" + label + "\"");
        return false;
      }
      if (!names.insert(label).second) {
        error("duplicate label name \"" + label + "\"");
        return false;
      }
      if (label == "__name__") {
        error("label name \"__name__\" is reserved");
        return false;
      }
      labels.emplace_back(std::move(label), std::move(value));
      c.skip_blanks();
      if (c.done()) {
        error("unexpected end of line in the label set");
        return false;
      }
      if (c.peek() == ',') {
        ++c.pos;
        continue;
      }
      if (c.peek() != '}') {
        error("unexpected '" + std::string(1, c.peek()) + "' after the value of label \"" +
              labels.back().first + "\"");
        return false;
      }
    }
  }

  Exposition out_;
  std::size_t line_ = 0;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::set<std::string, std::less<>> typed_;
  std::set<std::string, std::less<>> series_;
  std::string current_;
  std::set<std::string, std::less<>> finished_;
  std::map<std::string, std::size_t, std::less<>> first_gap_;
};

}  // namespace

std::size_t Exposition::sample_count() const {
  std::size_t n = 0;
  for (const auto& f : families) n += f.samples.size();
  return n;
}

Exposition parse_exposition(std::string_view text, const ExpositionLimits& limits) {
  return Parser{limits}.run(text);
}

}  // namespace promtls::core
