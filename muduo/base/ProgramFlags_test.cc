#include "muduo/base/ProgramFlags.h"

#include "absl/flags/flag.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, program_flags_test_count, 7, "how many widgets");
ABSL_FLAG(bool, program_flags_test_verbose, false, "say more");

namespace muduo {
namespace {

const ProgramUsage kUsage{"widget [flags] NAME", "Makes widgets.", {"widget --count=3 red"}};

TEST(ProgramFlagsTest, HelpShowsTheUsageLineEachFlagWithItsDefaultAndTheExample) {
  const std::string help = programHelp("widget", kUsage);
  EXPECT_EQ(help.rfind("Usage: widget [flags] NAME\n\nMakes widgets.\n", 0), 0u) << help;
  EXPECT_NE(help.find("--program_flags_test_count=7\n      how many widgets"), std::string::npos)
      << help;
  EXPECT_NE(help.find("--program_flags_test_verbose=false"), std::string::npos) << help;
  EXPECT_NE(help.find("Example:\n  widget --count=3 red\n"), std::string::npos) << help;
  // abseil's own flags (--flagfile, --helpfull ...) are not this program's.
  EXPECT_EQ(help.find("--flagfile"), std::string::npos) << help;
}

TEST(ProgramFlagsTest, FlagsAreParsedAndPositionalArgumentsReturned) {
  char arg0[] = "widget", arg1[] = "--program_flags_test_count", arg2[] = "3",
       arg3[] = "--program_flags_test_verbose", arg4[] = "red";
  char* argv[] = {arg0, arg1, arg2, arg3, arg4};
  const std::vector<char*> rest = parseProgramFlags(5, argv, kUsage);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_STREQ(rest[1], "red");
  EXPECT_EQ(absl::GetFlag(FLAGS_program_flags_test_count), 3);
  EXPECT_TRUE(absl::GetFlag(FLAGS_program_flags_test_verbose));
}

TEST(ProgramFlagsDeathTest, HelpExitsZero) {
  char arg0[] = "widget", arg1[] = "--help";
  char* argv[] = {arg0, arg1};
  EXPECT_EXIT(parseProgramFlags(2, argv, kUsage), testing::ExitedWithCode(0), "");
}

TEST(ProgramFlagsDeathTest, AValueTheFlagCannotHoldIsOneLineAndExitTwo) {
  char arg0[] = "widget", arg1[] = "--program_flags_test_count=many";
  char* argv[] = {arg0, arg1};
  EXPECT_EXIT(parseProgramFlags(2, argv, kUsage), testing::ExitedWithCode(2),
              "^widget: --program_flags_test_count=many: .*\n$");
}

TEST(ProgramFlagsDeathTest, AnUnknownFlagIsOneLineAndExitTwo) {
  char arg0[] = "widget", arg1[] = "--colour=red";
  char* argv[] = {arg0, arg1};
  EXPECT_EXIT(parseProgramFlags(2, argv, kUsage), testing::ExitedWithCode(2),
              "^widget: unknown flag --colour \\(see --help\\)\n$");
}

}  // namespace
}  // namespace muduo
