// `listen --expect EXPR`: what a stream must show for the run to succeed (all of them must hold). The grammar:
//
//   count>=N  count>N  count=N  count<=N  count<N   the number of events printed
//   event=TYPE                                     an event of type TYPE was printed
//   data=TEXT                                      an event's data was exactly TEXT
//   data~REGEX                                     an event's data matched REGEX (POSIX extended, anywhere in it)
//   !event=TYPE  !data=TEXT  !data~REGEX           no such event was printed
//
// Each expectation is met, failed or still open: `count>=3` is met for good at the third event; `count<=3` fails
// at the fourth and is met only when the stream is over, as is every `!` form. A run can end as soon as now()
// says met (all met for good) or failed (one can no longer be met).
//
//   auto expect = ssetool::Expectations::parse({"count>=2", "event=done"});   // InvalidArgument on a bad one
//   expect.observe("message", "hi");  expect.observe("done", "");
//   expect.now() == ssetool::Expectations::State::met
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ssetool {

class Expectations {
 public:
  enum class State { open, met, failed };

  // InvalidArgument "'EXPR': why" for an expression outside the grammar or a bad regular expression.
  static Expectations parse(const std::vector<std::string>& expressions);

  Expectations();
  Expectations(Expectations&&) noexcept;
  Expectations& operator=(Expectations&&) noexcept;
  ~Expectations();

  bool empty() const;
  void observe(std::string_view type, std::string_view data);  // one printed event
  State now() const;     // met: every expectation is met for good; failed: one can no longer be met
  State at_end() const;  // the stream is over: met or failed
  // The first expectation not met at the end, and why: "'count>=3': 2 events" (empty when all are met).
  std::string unmet() const;

  struct Term;  // one expression (defined in the .cpp)

 private:
  std::vector<std::unique_ptr<Term>> terms_;
  std::uint64_t count_ = 0;
};

}  // namespace ssetool
