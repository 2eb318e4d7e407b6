// Objects serialised to JSON as each event's data on /json (Ktor's serialization example): any type with an
// nlohmann to_json, through the route's serialize (here the default: nlohmann::json(value).dump()).
//   ./json [LISTEN [PORT_FILE]]         then: ssetool listen http://127.0.0.1:8080/json
#include <ssetool/ssetool.hpp>

#include <iostream>
#include <string>
#include <vector>

struct Customer {
  int id;
  std::string first_name;
  std::string last_name;
};
void to_json(nlohmann::json& j, const Customer& c) {
  j = {{"id", c.id}, {"firstName", c.first_name}, {"lastName", c.last_name}};
}

struct Product {
  int id;
  std::vector<int> prices;
};
void to_json(nlohmann::json& j, const Product& p) { j = {{"id", p.id}, {"prices", p.prices}}; }

int main(int argc, char** argv) {
  ssetool::App app({.listen = argc > 1 ? argv[1] : "127.0.0.1:8080",
                    .port_file = argc > 2 ? argv[2] : "",
                    .log = [](const std::string& line) { std::cerr << line << '\n'; }});
  app.sse("/json", {.serialize = [](const nlohmann::json& j) { return j.dump(); }},
          [](ssetool::SseSession& s) -> ssetool::Task {
            Customer customer{0, "Jet", "Brains"};  // named values: see "g++ 12" in docs/library.md
            Product product{0, {100, 200}};
            co_await s.send(customer);
            co_await s.send(product);
          });
  return app.run();
}
