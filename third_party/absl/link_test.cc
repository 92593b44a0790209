// Proves every abseil target of the overlay compiles and links against
// Debian's shared libraries, and pins the string_view quirk the code relies on.
#include <string>
#include <type_traits>

#include "absl/cleanup/cleanup.h"
#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/functional/any_invocable.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, link_test_port, 7, "a flag for the link test");

namespace {

TEST(AbseilLinkTest, DebianBuildsStringViewAsItsOwnType) {
  // Debian sets ABSL_OPTION_USE_STD_STRING_VIEW 0; code passing std::string_view
  // to abseil must convert explicitly.
  EXPECT_FALSE((std::is_same_v<absl::string_view, std::string_view>));
}

TEST(AbseilLinkTest, StringsAndFormatWork) {
  EXPECT_EQ(absl::StrCat("a", 1, "b"), "a1b");
  EXPECT_EQ(absl::StrFormat("%05d|%s", 42, "x"), "00042|x");
  std::vector<std::string> parts = absl::StrSplit("a,b,c", ',');
  EXPECT_EQ(parts.size(), 3u);
}

TEST(AbseilLinkTest, StatusCarriesCodeAndMessage) {
  absl::StatusOr<int> value = absl::NotFoundError("gone");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(value.status().message(), "gone");
  absl::StatusOr<int> good = 3;
  EXPECT_EQ(*good, 3);
}

TEST(AbseilLinkTest, ContainersHashAndCleanupWork) {
  absl::flat_hash_map<std::string, int> map;
  map["k"] = 1;
  EXPECT_EQ(map.at("k"), 1);
  absl::btree_map<int, int> ordered = {{3, 0}, {1, 0}, {2, 0}};
  EXPECT_EQ(ordered.begin()->first, 1);
  EXPECT_EQ(absl::Hash<int>()(5), absl::Hash<int>()(5));
  int cleaned = 0;
  {
    absl::Cleanup cleanup = [&cleaned] { ++cleaned; };
  }
  EXPECT_EQ(cleaned, 1);
  absl::AnyInvocable<int()> fn = [p = std::make_unique<int>(9)] { return *p; };
  EXPECT_EQ(fn(), 9);
}

TEST(AbseilLinkTest, TimeAndSynchronizationWork) {
  const absl::Time start = absl::Now();
  absl::Notification done;
  done.Notify();
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(1)));
  EXPECT_GE(absl::Now(), start);
  EXPECT_EQ(absl::FormatDuration(absl::Milliseconds(1500)), "1.5s");
}

TEST(AbseilLinkTest, FlagsParseTheCommandLine) {
  absl::SetProgramUsageMessage("link test");
  char arg0[] = "link_test";
  char arg1[] = "--link_test_port=8080";
  char* argv[] = {arg0, arg1};
  std::vector<char*> rest = absl::ParseCommandLine(2, argv);
  EXPECT_EQ(rest.size(), 1u);
  EXPECT_EQ(absl::GetFlag(FLAGS_link_test_port), 8080);
}

}  // namespace
