#include "services/kv/RespParser.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace muduo::kv {
namespace {

using Result = RespParser::Result;

std::vector<std::string> argsOf(const RespParser& parser) {
  return std::vector<std::string>(parser.args().begin(), parser.args().end());
}

TEST(RespParserTest, ParsesAMultibulkCommand) {
  RespParser parser;
  const std::string request = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
  ASSERT_EQ(parser.parse(request), Result::kCommand);
  EXPECT_EQ(argsOf(parser), (std::vector<std::string>{"SET", "key", "value"}));
  EXPECT_EQ(parser.consumed(), request.size());
}

TEST(RespParserTest, BinaryArgumentsAndEmptyOnesSurvive) {
  RespParser parser;
  const std::string value("a\r\n\0b", 5);
  const std::string request = "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$5\r\n" + value + "\r\n";
  ASSERT_EQ(parser.parse(request), Result::kCommand);
  EXPECT_EQ(argsOf(parser), (std::vector<std::string>{"SET", "", value}));
}

TEST(RespParserTest, ResumesAcrossEverySplitPoint) {
  const std::string request = "*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n";
  for (size_t split = 0; split < request.size(); ++split) {
    RespParser parser;
    std::string received = request.substr(0, split);
    ASSERT_EQ(parser.parse(received), Result::kNeedMore) << split;
    received = request;
    ASSERT_EQ(parser.parse(received), Result::kCommand) << split;
    EXPECT_EQ(argsOf(parser), (std::vector<std::string>{"GET", "0123456789"}));
    EXPECT_EQ(parser.consumed(), request.size());
  }
}

TEST(RespParserTest, ByteByByteFeedingGetsTheSameCommand) {
  const std::string request = "*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n";
  RespParser parser;
  std::string received;
  for (size_t i = 0; i + 1 < request.size(); ++i) {
    received.push_back(request[i]);
    ASSERT_EQ(parser.parse(received), Result::kNeedMore) << i;
  }
  received.push_back(request.back());
  ASSERT_EQ(parser.parse(received), Result::kCommand);
  EXPECT_EQ(argsOf(parser), (std::vector<std::string>{"INCR", "counter"}));
}

TEST(RespParserTest, PipelinedCommandsComeOneAtATime) {
  RespParser parser;
  std::string data = "*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  std::vector<std::vector<std::string>> commands;
  while (parser.parse(data) == Result::kCommand) {
    commands.push_back(argsOf(parser));
    data.erase(0, parser.consumed());
    parser.reset();
  }
  EXPECT_TRUE(data.empty());
  ASSERT_EQ(commands.size(), 3u);
  EXPECT_EQ(commands[1], std::vector<std::string>{"PING"});
  EXPECT_EQ(commands[2], (std::vector<std::string>{"GET", "k"}));
}

TEST(RespParserTest, InlineCommandsSplitOnSpacesAndHonourQuotes) {
  RespParser parser;
  ASSERT_EQ(parser.parse("SET  key \"a b\\x41\\n\" 'it''s'\r\n"), Result::kError)
      << "a closing quote must be followed by a space";
  parser.reset();
  ASSERT_EQ(parser.parse("SET  key \"a b\\x41\\n\" 'it\\'s'\r\n"), Result::kCommand);
  EXPECT_EQ(argsOf(parser), (std::vector<std::string>{"SET", "key", "a bA\n", "it's"}));
  parser.reset();
  ASSERT_EQ(parser.parse("PING\n"), Result::kCommand) << "a bare newline ends a line too";
  EXPECT_EQ(argsOf(parser), std::vector<std::string>{"PING"});
  parser.reset();
  ASSERT_EQ(parser.parse("\r\n"), Result::kCommand);
  EXPECT_TRUE(parser.args().empty()) << "an empty line is no command";
  parser.reset();
  EXPECT_EQ(parser.parse("GET k"), Result::kNeedMore);
}

TEST(RespParserTest, MalformedInputIsAnErrorWithRedisWording) {
  struct Case {
    std::string input;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"*x\r\n", "Protocol error: invalid multibulk length"},
      {"*2\r\n+GET\r\n", "Protocol error: expected '$', got '+'"},
      {"*1\r\n$-5\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$abc\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$3\r\nGETXX", "Protocol error: bulk string not followed by CRLF"},
      {"*1\r\n$99999999999\r\n", "Protocol error: invalid bulk length"},
      {"*" + std::string(40, '1'), "Protocol error: too big mbulk count string"},
      {"SET k \"unterminated\r\n", "Protocol error: unbalanced quotes in request"},
  };
  for (const Case& c : cases) {
    RespParser parser;
    EXPECT_EQ(parser.parse(c.input), Result::kError) << c.input;
    EXPECT_EQ(parser.error(), c.error) << c.input;
  }
}

TEST(RespParserTest, LimitsAreEnforced) {
  RespParser::Limits limits;
  limits.maxBulk = 10;
  limits.maxArgs = 2;
  limits.maxInline = 16;
  RespParser parser(limits);
  EXPECT_EQ(parser.parse("*1\r\n$11\r\n"), Result::kError);
  parser.reset();
  EXPECT_EQ(parser.parse("*3\r\n"), Result::kError);
  parser.reset();
  EXPECT_EQ(parser.parse(std::string(17, 'a')), Result::kError);
  EXPECT_EQ(parser.error(), "Protocol error: too big inline request");
  parser.reset();
  EXPECT_EQ(parser.parse("*1\r\n$10\r\n"), Result::kNeedMore) << "at the limit is fine";
}

TEST(RespParserTest, LengthsPastTheInt64RangeAreRefusedNotWrapped) {
  RespParser::Limits limits;
  limits.maxArgs = INT64_MAX;
  limits.maxBulk = SIZE_MAX;
  limits.maxRequest = SIZE_MAX;
  for (const std::string& count :
       {std::string("9223372036854775808"), std::string("18446744073709551617"),
        std::string("99999999999999999999")}) {
    RespParser parser(limits);
    EXPECT_EQ(parser.parse("*" + count + "\r\n"), Result::kError) << count;
    EXPECT_EQ(parser.error(), "Protocol error: invalid multibulk length") << count;
    parser.reset();
    EXPECT_EQ(parser.parse("*1\r\n$" + count + "\r\n"), Result::kError) << count;
    EXPECT_EQ(parser.error(), "Protocol error: invalid bulk length") << count;
  }
  // The largest int64 still parses (and waits for its bytes).
  RespParser parser(limits);
  EXPECT_EQ(parser.parse("*1\r\n$9223372036854775807\r\n"), Result::kNeedMore);
  parser.reset();
  EXPECT_EQ(parser.parse("*1\r\n$000000000000000000003\r\n"), Result::kError)
      << "more than 20 digits";
}

TEST(RespParserTest, ZeroAndNegativeCountsAreEmptyCommands) {
  RespParser parser;
  ASSERT_EQ(parser.parse("*0\r\n"), Result::kCommand);
  EXPECT_TRUE(parser.args().empty());
  EXPECT_EQ(parser.consumed(), 4u);
  parser.reset();
  ASSERT_EQ(parser.parse("*-1\r\n"), Result::kCommand);
  EXPECT_TRUE(parser.args().empty());
}

}  // namespace
}  // namespace muduo::kv
