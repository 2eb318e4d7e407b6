// Feed: a broadcast route, published to from any thread (see ssetool/app/feed.hpp).
#include "ssetool/app/feed.hpp"

#include <vector>

#include "feed_impl.hpp"

namespace ssetool {

Feed::Impl::Impl(Loop& loop, FeedOptions options)
    : hub_({.history = options.history}),
      publisher_(
          loop, [this](std::vector<Event>& batch) {
            for (Event& e : batch) hub_.publish(std::move(e));  // validated by publish(): cannot throw
          },
          [] {}, options.queue) {}

bool Feed::Impl::publish(Event event) {
  validate(event);
  if (loop_thread_.load() == std::this_thread::get_id()) {  // from a handler: no queue to wait on (it would wait for itself)
    hub_.publish(std::move(event));
    return true;
  }
  std::vector<Event> one;
  one.push_back(std::move(event));
  return publisher_.publish_all(one);
}

Reply Feed::Impl::open_stream() {
  std::uint64_t published_before = hub_.published();  // nothing published from now on is missed
  return Reply::stream([this, published_before](Session& session) {
    hub_.subscribe(&session, session.request().last_event_id(), 0, published_before);
    session.on_close([this, s = &session](SessionEnd) { hub_.unsubscribe(s); });
  });
}

Feed::Feed(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Feed::~Feed() = default;

bool Feed::publish(Event event) { return impl_->publish(std::move(event)); }

bool Feed::publish(std::string_view data) {
  Event event{.data = std::string(data)};
  return impl_->publish(std::move(event));
}

bool Feed::publish(std::string_view type, std::string_view data) {
  Event event{.data = std::string(data), .type = std::string(type)};
  return impl_->publish(std::move(event));
}

std::uint64_t Feed::published() const { return impl_->published(); }

}  // namespace ssetool
