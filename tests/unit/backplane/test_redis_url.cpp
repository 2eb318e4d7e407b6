// Unit tests for RedisUrl: the forms of --backplane, the refusals, and a display that never shows the password.
#include <catch2/catch.hpp>

#include "ssetool/backplane/redis_url.hpp"
#include "ssetool/base/errors.hpp"

using namespace ssetool;

TEST_CASE("RedisUrl: host, port, password, database", "[backplane]") {
  RedisUrl plain = RedisUrl::parse("redis://127.0.0.1");
  CHECK(plain.host == "127.0.0.1");
  CHECK(plain.port == 6379);
  CHECK(plain.db == 0);
  CHECK(plain.password.empty());

  RedisUrl full = RedisUrl::parse("redis://:s3cret@redis.internal:7000/2");
  CHECK(full.host == "redis.internal");
  CHECK(full.port == 7000);
  CHECK(full.password == "s3cret");
  CHECK(full.user.empty());
  CHECK(full.db == 2);
  CHECK(full.display() == "redis://:***@redis.internal:7000/2");

  RedisUrl user = RedisUrl::parse("redis://app:pw@[::1]:6380");
  CHECK(user.user == "app");
  CHECK(user.host == "::1");
  CHECK(user.port == 6380);
  CHECK(user.display() == "redis://app:***@[::1]:6380/0");
  CHECK(RedisUrl::parse("redis://[::1]").port == 6379);
}

TEST_CASE("RedisUrl: malformed URLs are refused naming what is wrong", "[backplane]") {
  CHECK_THROWS_WITH(RedisUrl::parse("http://127.0.0.1"), Catch::Contains("expected redis://"));
  CHECK_THROWS_WITH(RedisUrl::parse("redis://"), Catch::Contains("no host"));
  CHECK_THROWS_WITH(RedisUrl::parse("redis://h:99999"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(RedisUrl::parse("redis://h:"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(RedisUrl::parse("redis://h/x"), Catch::Contains("bad database"));
  CHECK_THROWS_WITH(RedisUrl::parse("redis://pw@h"), Catch::Contains("password must follow"));
  CHECK_THROWS_WITH(RedisUrl::parse("redis://h\r\n:1"), Catch::Contains("control character"));
  CHECK_THROWS_AS(RedisUrl::parse("redis://[::1"), InvalidArgument);
}
