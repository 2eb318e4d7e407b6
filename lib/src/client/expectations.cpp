// The --expect grammar and its evaluation (see client/expectations.hpp). Regular expressions are POSIX extended
// ones (glibc's regcomp), matched with REG_STARTEND so that data with a NUL byte is matched whole.
#include "ssetool/client/expectations.hpp"

#include <regex.h>

#include <charconv>

#include "ssetool/base/errors.hpp"

namespace ssetool {

struct Expectations::Term {
  enum class Kind { count, event, data_equals, data_matches };
  enum class Op { ge, gt, eq, le, lt };

  std::string text;       // as given, for messages
  Kind kind = Kind::count;
  Op op = Op::ge;
  bool negated = false;   // the `!` forms
  std::uint64_t n = 0;    // for count
  std::string value;      // the type, the text or the regex
  regex_t regex{};
  bool has_regex = false;
  std::uint64_t matches = 0;  // printed events that matched (not for count)

  ~Term() {
    if (has_regex) regfree(&regex);
  }

  bool matches_event(std::string_view type, std::string_view data) const {
    switch (kind) {
      case Kind::event: return type == value;
      case Kind::data_equals: return data == value;
      case Kind::data_matches: {
        regmatch_t span[1];
        span[0].rm_so = 0;
        span[0].rm_eo = static_cast<regoff_t>(data.size());
        return regexec(&regex, data.data(), 1, span, REG_STARTEND) == 0;
      }
      case Kind::count: return false;
    }
    return false;
  }

  // The state from what was seen so far; `over`: the stream is over.
  State state(std::uint64_t count, bool over) const {
    if (kind == Kind::count) return count_state(count, over);
    if (negated) return matches > 0 ? State::failed : over ? State::met : State::open;
    return matches > 0 ? State::met : over ? State::failed : State::open;
  }

  State count_state(std::uint64_t count, bool over) const {
    switch (op) {
      case Op::ge: return count >= n ? State::met : over ? State::failed : State::open;
      case Op::gt: return count > n ? State::met : over ? State::failed : State::open;
      case Op::eq: return count > n ? State::failed : over ? (count == n ? State::met : State::failed) : State::open;
      case Op::le: return count > n ? State::failed : over ? State::met : State::open;
      case Op::lt: return count >= n ? State::failed : over ? State::met : State::open;
    }
    return State::open;
  }
};

namespace {

using Term = Expectations::Term;

[[noreturn]] void refuse(const std::string& text, const std::string& why) {
  throw InvalidArgument("'" + text + "': " + why);
}

void parse_count(Term& t, std::string_view rest) {
  static const std::pair<std::string_view, Term::Op> kOps[] = {
      {">=", Term::Op::ge}, {"<=", Term::Op::le}, {">", Term::Op::gt}, {"<", Term::Op::lt}, {"=", Term::Op::eq}};
  for (const auto& [symbol, op] : kOps) {
    if (rest.substr(0, symbol.size()) != symbol) continue;
    std::string_view digits = rest.substr(symbol.size());
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), t.n);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size())
      refuse(t.text, "expected a whole number after 'count" + std::string(symbol) + "'");
    t.op = op;
    return;
  }
  refuse(t.text, "expected count>=N, count>N, count=N, count<=N or count<N");
}

void compile_regex(Term& t) {
  int code = regcomp(&t.regex, t.value.c_str(), REG_EXTENDED | REG_NOSUB);
  if (code != 0) {
    char why[256];
    regerror(code, &t.regex, why, sizeof why);
    refuse(t.text, std::string("bad regular expression: ") + why);
  }
  t.has_regex = true;
}

std::unique_ptr<Term> parse_term(const std::string& text) {
  auto t = std::make_unique<Term>();
  t->text = text;
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '!') {
    t->negated = true;
    rest.remove_prefix(1);
  }
  auto starts = [&](std::string_view prefix) { return rest.substr(0, prefix.size()) == prefix; };
  if (starts("count")) {
    if (t->negated) refuse(text, "'!' goes with event= and data= only");
    parse_count(*t, rest.substr(5));
  } else if (starts("event=")) {
    t->kind = Term::Kind::event;
    t->value = rest.substr(6);
    if (t->value.empty()) refuse(text, "expected an event type after 'event='");
  } else if (starts("data=")) {
    t->kind = Term::Kind::data_equals;
    t->value = rest.substr(5);
  } else if (starts("data~")) {
    t->kind = Term::Kind::data_matches;
    t->value = rest.substr(5);
    compile_regex(*t);
  } else {
    refuse(text, "expected count<OP>N, event=TYPE, data=TEXT or data~REGEX (optionally after '!')");
  }
  return t;
}

}  // namespace

Expectations::Expectations() = default;
Expectations::Expectations(Expectations&&) noexcept = default;
Expectations& Expectations::operator=(Expectations&&) noexcept = default;
Expectations::~Expectations() = default;

Expectations Expectations::parse(const std::vector<std::string>& expressions) {
  Expectations e;
  for (const std::string& text : expressions) e.terms_.push_back(parse_term(text));
  return e;
}

bool Expectations::empty() const { return terms_.empty(); }

void Expectations::observe(std::string_view type, std::string_view data) {
  ++count_;
  for (auto& t : terms_)
    if (t->kind != Term::Kind::count && t->matches_event(type, data)) ++t->matches;
}

Expectations::State Expectations::now() const {
  bool all_met = true;
  for (const auto& t : terms_) {
    State s = t->state(count_, false);
    if (s == State::failed) return State::failed;
    if (s != State::met) all_met = false;
  }
  return all_met ? State::met : State::open;
}

Expectations::State Expectations::at_end() const { return unmet().empty() ? State::met : State::failed; }

std::string Expectations::unmet() const {
  for (const auto& t : terms_) {
    if (t->state(count_, true) == State::met) continue;
    if (t->kind == Term::Kind::count) return "'" + t->text + "': " + std::to_string(count_) + " events";
    if (t->negated) return "'" + t->text + "': " + std::to_string(t->matches) + " such events";
    return "'" + t->text + "': no such event";
  }
  return {};
}

}  // namespace ssetool
