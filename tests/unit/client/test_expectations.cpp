// Tests of Expectations (lib/include/ssetool/client/expectations.hpp): the --expect grammar, when each form is met
// for good, fails at once or is judged only at the end of the stream, and how a bad expression is refused.
#include <catch2/catch.hpp>

#include "ssetool/base/errors.hpp"
#include "ssetool/client/expectations.hpp"

using ssetool::Expectations;
using State = Expectations::State;

namespace {

std::string refusal(std::vector<std::string> exprs) {
  try {
    Expectations::parse(exprs);
  } catch (const ssetool::InvalidArgument& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("Expectations: count>=N is met for good at the Nth event", "[client][expect]") {
  Expectations e = Expectations::parse({"count>=2"});
  CHECK(e.now() == State::open);
  e.observe("message", "a");
  CHECK(e.now() == State::open);
  CHECK(e.at_end() == State::failed);
  CHECK(e.unmet() == "'count>=2': 1 events");
  e.observe("message", "b");
  CHECK(e.now() == State::met);
  CHECK(e.at_end() == State::met);
  CHECK(e.unmet().empty());
}

TEST_CASE("Expectations: count=, <= and < fail once exceeded and are met only at the end", "[client][expect]") {
  Expectations eq = Expectations::parse({"count=1"});
  Expectations le = Expectations::parse({"count<=1"});
  Expectations lt = Expectations::parse({"count<1"});
  Expectations gt = Expectations::parse({"count>1"});
  CHECK(eq.at_end() == State::failed);
  CHECK(le.at_end() == State::met);
  CHECK(lt.at_end() == State::met);
  for (Expectations* e : {&eq, &le, &lt, &gt}) e->observe("message", "x");
  CHECK(eq.now() == State::open);
  CHECK(eq.at_end() == State::met);
  CHECK(le.now() == State::open);
  CHECK(lt.now() == State::failed);
  CHECK(gt.now() == State::open);
  for (Expectations* e : {&eq, &le, &gt}) e->observe("message", "y");
  CHECK(eq.now() == State::failed);
  CHECK(le.now() == State::failed);
  CHECK(gt.now() == State::met);
}

TEST_CASE("Expectations: event=, data= and data~ are met by one matching event", "[client][expect]") {
  Expectations e = Expectations::parse({"event=done", "data=ok", "data~^tok(en)?s: [0-9]+$"});
  e.observe("done", "nope");
  CHECK(e.now() == State::open);
  CHECK(e.unmet() == "'data=ok': no such event");
  e.observe("message", "ok");
  CHECK(e.now() == State::open);
  e.observe("message", "tokens: 42");
  CHECK(e.now() == State::met);
}

TEST_CASE("Expectations: data~ matches anywhere, across a NUL, and data= needs all of it", "[client][expect]") {
  Expectations anywhere = Expectations::parse({"data~b+c"});
  anywhere.observe("message", std::string("a\0abbbcd", 8));
  CHECK(anywhere.now() == State::met);
  Expectations exact = Expectations::parse({"data=ab"});
  exact.observe("message", "abc");
  CHECK(exact.at_end() == State::failed);
}

TEST_CASE("Expectations: the ! forms fail at once on a match and are met at the end without one", "[client][expect]") {
  Expectations e = Expectations::parse({"!event=error", "!data~fail"});
  e.observe("message", "fine");
  CHECK(e.now() == State::open);
  CHECK(e.at_end() == State::met);
  e.observe("error", "x");
  CHECK(e.now() == State::failed);
  CHECK(e.unmet() == "'!event=error': 1 such events");
}

TEST_CASE("Expectations: a bad expression is refused with its text and the grammar", "[client][expect]") {
  CHECK(refusal({"count>=3", "count>=x"}) == "'count>=x': expected a whole number after 'count>='");
  CHECK(refusal({"count==3"}) == "'count==3': expected a whole number after 'count='");
  CHECK(refusal({"count~3"}).find("expected count>=N") != std::string::npos);
  CHECK(refusal({"!count>=3"}) == "'!count>=3': '!' goes with event= and data= only");
  CHECK(refusal({"type=done"}).find("expected count<OP>N, event=TYPE, data=TEXT or data~REGEX") != std::string::npos);
  CHECK(refusal({"event="}) == "'event=': expected an event type after 'event='");
  CHECK_THAT(refusal({"data~(unclosed"}), Catch::Matchers::StartsWith("'data~(unclosed': bad regular expression: "));
  CHECK(Expectations::parse({}).empty());
}
