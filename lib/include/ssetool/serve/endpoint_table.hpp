// The running `serve` children of a CommandServer, by session id, across its stream loops. Each entry is a
// ProcessEndpoint, the loop it lives on (its client's stream loop) and the --max-procs slot it holds. The table is
// shared: a stream loop adds and removes its own entries; a worker thread looks one up to route a POST to its
// loop; the server's loop asks every entry to stop at shutdown. One mutex, held only for the map operations.
// An endpoint is used, and destroyed, only on its own loop: other threads get a Ref (its loop and a weak
// pointer) and post their work there; take() and take_on() hand entries out to be destroyed by the caller,
// outside the lock, on the entries' loop.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ssetool/loop/loop.hpp"
#include "ssetool/serve/endpoint.hpp"
#include "ssetool/serve/process_slots.hpp"

namespace ssetool {

class EndpointTable {
 public:
  struct Entry {
    std::shared_ptr<ProcessEndpoint> endpoint;
    Loop* loop;
    ProcessSlots::Slot slot;
  };
  // What another thread may hold of an entry: lock `endpoint` on `loop` only.
  struct Ref {
    Loop* loop;
    std::weak_ptr<ProcessEndpoint> endpoint;
  };

  // On the endpoint's loop.
  void add(const std::string& id, Entry entry);
  // On the entry's loop: the entry, moved out (empty vector when the id is unknown), and whether the table is now
  // empty. The caller drops it after the call (outside the lock).
  std::vector<Entry> take(const std::string& id, bool& now_empty);
  // On `loop`: every entry living there, moved out.
  std::vector<Entry> take_on(Loop& loop);

  // Any thread.
  bool find(const std::string& id, Ref& ref) const;
  std::vector<Ref> refs() const;
  std::vector<Loop*> loops() const;  // the loops that have entries, each once
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace ssetool
