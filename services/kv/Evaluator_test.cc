// Evaluator: what each kind of op does to the table and to the log, the
// conditions, WATCH's guards, expiry, and ops seeing earlier ops of their
// group. Each case evaluates, encodes, applies, and checks that replaying
// the encoded record into a copy of the starting table gives the same
// table: the log must say exactly what happened.
#include "services/kv/Evaluator.h"

#include <atomic>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/kv/Limits.h"
#include "services/kv/LogFormat.h"
#include "services/kv/Table.h"

namespace muduo::kv {
namespace {

using Kind = WriteOp::Kind;
using Outcome = WriteOp::Outcome;

constexpr int64_t kNow = 1'800'000'000'000;  // unix ms

struct Row {
  std::string key;
  std::string value;
  int64_t expireAt;
  bool operator==(const Row&) const = default;
};

std::vector<Row> rows(const Table& table) {
  std::vector<Row> out;
  for (const auto& [k, v] : table.map()) out.push_back(Row{std::string(k), *v, table.expireAt(k)});
  return out;
}

class EvaluatorTest : public ::testing::Test {
 protected:
  void put(const std::string& key, const std::string& value, int64_t expireAt = 0) {
    table_.put(key, value, expireAt);
    replayed_.put(key, value, expireAt);
  }

  // Evaluates the batches as one group at kNow, applies them, and replays
  // what they logged into replayed_, which must end up equal.
  void run(std::vector<std::vector<WriteOp>*> batches) {
    std::string payload;
    for (std::vector<WriteOp>* ops : batches) {
      const size_t first = evaluator_.effects();
      EXPECT_TRUE(evaluator_.evaluate(*ops, table_, kNow));
      evaluator_.encode(first, &payload);
    }
    evaluator_.apply(&table_);
    ASSERT_TRUE(replayed_.applyMutations(payload));
    EXPECT_EQ(rows(table_), rows(replayed_)) << "the log does not say what happened";
  }
  void run(std::vector<WriteOp>& ops) { run(std::vector<std::vector<WriteOp>*>{&ops}); }

  static WriteOp op(Kind kind, std::string key) {
    WriteOp op;
    op.kind = kind;
    op.key = std::move(key);
    return op;
  }

  const std::string* find(std::string_view key) const {
    return table_.findLive(key, [] { return kNow; });
  }

  Table table_;
  Table replayed_;
  Evaluator evaluator_;
};

TEST_F(EvaluatorTest, APlainPutClearsTheTtlAndKeepTtlKeepsIt) {
  put("a", "1", kNow + 5000);
  put("b", "1", kNow + 5000);
  std::vector<WriteOp> ops{op(Kind::kPut, "a"), op(Kind::kPut, "b")};
  ops[0].value = "2";
  ops[1].value = "2";
  ops[1].keepTtl = true;
  run(ops);
  EXPECT_EQ(*find("a"), "2");
  EXPECT_EQ(table_.expireAt("a"), 0);
  EXPECT_EQ(*find("b"), "2");
  EXPECT_EQ(table_.expireAt("b"), kNow + 5000);
}

TEST_F(EvaluatorTest, AnExpiredKeyIsAbsentToEveryOp) {
  put("gone", "7", kNow - 1);
  std::vector<WriteOp> ops{op(Kind::kIncrement, "gone"), op(Kind::kPut, "gone2")};
  ops[0].delta = 1;
  ops[1].condition = WriteOp::Condition::kAbsent;
  put("gone2", "x", kNow);  // expires exactly now: gone
  ops[1].value = "new";
  run(ops);
  EXPECT_EQ(ops[0].number, 1) << "INCR of an expired key starts from zero";
  EXPECT_FALSE(ops[0].existed);
  EXPECT_EQ(table_.expireAt("gone"), 0) << "and the new value does not inherit the dead TTL";
  EXPECT_EQ(ops[1].outcome, Outcome::kApplied);
  EXPECT_EQ(*find("gone2"), "new");
}

TEST_F(EvaluatorTest, SetWithReturnOldAndAPastTimeDeletesAndReportsTheOldValue) {
  put("k", "old");
  std::vector<WriteOp> ops{op(Kind::kPut, "k")};
  ops[0].value = "new";
  ops[0].returnOld = true;
  ops[0].expireAt = kNow - 10;
  run(ops);
  EXPECT_EQ(ops[0].outcome, Outcome::kApplied);
  EXPECT_TRUE(ops[0].existed);
  EXPECT_EQ(ops[0].current, "old");
  EXPECT_EQ(table_.find("k"), nullptr);
}

TEST_F(EvaluatorTest, FailedConditionsAndPlainReadsCopyTheValueOnlyWhenAskedTo) {
  const std::string big(1 << 20, 'b');
  put("k", big);
  std::vector<WriteOp> ops{op(Kind::kPut, "k"), op(Kind::kGet, "k"), op(Kind::kPut, "k"),
                           op(Kind::kGet, "k")};
  ops[0].condition = WriteOp::Condition::kAbsent;  // SETNX
  ops[0].value = "x";
  ops[2].condition = WriteOp::Condition::kAbsent;  // SET NX GET
  ops[2].value = "x";
  ops[2].returnOld = true;
  ops[3].returnOld = true;  // GET inside EXEC
  run(ops);
  EXPECT_EQ(ops[0].outcome, Outcome::kConditionFailed);
  EXPECT_TRUE(ops[0].existed);
  EXPECT_TRUE(ops[0].current.empty()) << "a failed SETNX copied a value nobody reads";
  EXPECT_TRUE(ops[1].existed);
  EXPECT_TRUE(ops[1].current.empty()) << "an EXISTS inside EXEC copied the value";
  EXPECT_EQ(ops[2].current, big);
  EXPECT_EQ(ops[3].current, big);
}

TEST_F(EvaluatorTest, ValuesCopiedIntoResultsStayWithinTheirOwnersBudget) {
  put("k", std::string(1000, 'v'));
  std::atomic<int64_t> budget{2500};
  std::atomic<int64_t> other{1000};
  std::vector<WriteOp> ops;
  for (int i = 0; i < 3; ++i) {
    WriteOp& get = ops.emplace_back(op(Kind::kGet, "k"));
    get.returnOld = true;
    get.resultBudget = &budget;
  }
  WriteOp& unlimited = ops.emplace_back(op(Kind::kGet, "k"));
  unlimited.returnOld = true;
  WriteOp& another = ops.emplace_back(op(Kind::kGet, "k"));
  another.returnOld = true;
  another.resultBudget = &other;
  run(ops);
  EXPECT_EQ(ops[0].current.size(), 1000u);
  EXPECT_EQ(ops[1].current.size(), 1000u);
  EXPECT_TRUE(ops[2].resultDropped);
  EXPECT_TRUE(ops[2].current.empty());
  EXPECT_EQ(ops[2].outcome, Outcome::kApplied) << "only the copy is left out";
  EXPECT_EQ(budget.load(), 500);
  EXPECT_EQ(ops[3].current.size(), 1000u);
  EXPECT_FALSE(ops[4].resultDropped) << "one owner's budget is not another's";
  EXPECT_EQ(other.load(), 0);
}

TEST_F(EvaluatorTest, ExpireSetsRemovesOrDeletes) {
  put("a", "1");
  put("b", "1", kNow + 100);
  put("c", "1");
  std::vector<WriteOp> ops{op(Kind::kExpire, "a"), op(Kind::kExpire, "b"), op(Kind::kExpire, "c"),
                           op(Kind::kExpire, "missing"), op(Kind::kExpire, "a")};
  ops[0].expireAt = kNow + 60'000;
  ops[1].expireAt = 0;     // PERSIST
  ops[2].expireAt = kNow;  // now: gone
  ops[3].expireAt = kNow + 1;
  ops[4].expireAt = 0;  // PERSIST of what ops[0] just set, in the same batch
  run(ops);
  EXPECT_EQ(ops[0].number, 1);
  EXPECT_EQ(ops[1].number, 1);
  EXPECT_EQ(table_.expireAt("b"), 0);
  EXPECT_EQ(ops[2].number, 1);
  EXPECT_EQ(table_.find("c"), nullptr);
  EXPECT_EQ(ops[3].outcome, Outcome::kNoSuchKey);
  EXPECT_EQ(ops[4].number, 1) << "sees the TTL the earlier op set";
  EXPECT_EQ(table_.expireAt("a"), 0);
}

TEST_F(EvaluatorTest, ExpireOptionsCompareWithTheCurrentTime) {
  put("none", "1");
  put("ttl", "1", kNow + 1000);
  struct Case {
    const char* key;
    uint8_t when;
    int64_t at;
    int64_t changed;
  };
  const Case cases[] = {
      {"none", WriteOp::kIfNoTtl, kNow + 5, 1},
      {"ttl", WriteOp::kIfNoTtl, kNow + 5, 0},
      {"none", WriteOp::kIfHasTtl, kNow + 5, 0},
      {"ttl", WriteOp::kIfHasTtl, kNow + 5, 1},
      {"none", WriteOp::kIfLater, kNow + 5, 0},
      {"ttl", WriteOp::kIfLater, kNow + 999, 0},
      {"ttl", WriteOp::kIfLater, kNow + 1001, 1},
      {"none", WriteOp::kIfEarlier, kNow + 5, 1},
      {"ttl", WriteOp::kIfEarlier, kNow + 1000, 0},
      {"ttl", WriteOp::kIfEarlier, kNow + 999, 1},
      {"ttl", WriteOp::kIfHasTtl | WriteOp::kIfLater, kNow + 2000, 1},
  };
  for (const Case& c : cases) {
    Table before;
    for (const auto& [k, v] : table_.map()) before.put(k, *v, table_.expireAt(k));
    std::vector<WriteOp> ops{op(Kind::kExpire, c.key)};
    ops[0].expireAt = c.at;
    ops[0].expireIf = c.when;
    run(ops);
    EXPECT_EQ(ops[0].number, c.changed) << c.key << " when=" << int{c.when} << " at=" << c.at;
    EXPECT_EQ(table_.expireAt(c.key), c.changed ? c.at : before.expireAt(c.key));
    // Back to the starting state for the next case.
    table_ = std::move(before);
    replayed_.clear();
    for (const auto& [k, v] : table_.map()) replayed_.put(k, *v, table_.expireAt(k));
  }
}

TEST_F(EvaluatorTest, PersistOfAKeyWithoutATtlChangesNothing) {
  put("a", "1");
  std::vector<WriteOp> ops{op(Kind::kExpire, "a")};
  run(ops);
  EXPECT_EQ(ops[0].outcome, Outcome::kApplied);
  EXPECT_EQ(ops[0].number, 0);
  EXPECT_EQ(evaluator_.effects(), 0u);
}

TEST_F(EvaluatorTest, RenameMovesValueAndTtlAndRenameNxRefusesAnExistingTarget) {
  put("src", "v", kNow + 999);
  put("taken", "t");
  std::vector<WriteOp> ops{op(Kind::kRename, "src"), op(Kind::kRename, "dst"),
                           op(Kind::kRename, "missing")};
  ops[0].target = "taken";
  ops[0].condition = WriteOp::Condition::kAbsent;  // RENAMENX
  ops[1].target = "moved";
  ops[2].target = "x";
  ops.insert(ops.begin() + 1, op(Kind::kRename, "src"));
  ops[1].target = "dst";
  run(ops);
  EXPECT_EQ(ops[0].outcome, Outcome::kConditionFailed);
  EXPECT_EQ(ops[1].outcome, Outcome::kApplied);
  EXPECT_EQ(ops[2].outcome, Outcome::kApplied) << "dst exists once the earlier rename ran";
  EXPECT_EQ(ops[3].outcome, Outcome::kNoSuchKey);
  EXPECT_EQ(table_.find("src"), nullptr);
  EXPECT_EQ(table_.find("dst"), nullptr);
  EXPECT_EQ(*find("moved"), "v");
  EXPECT_EQ(table_.expireAt("moved"), kNow + 999);
  EXPECT_EQ(*find("taken"), "t");
}

TEST_F(EvaluatorTest, RenameOntoItselfIsANoOp) {
  put("k", "v", kNow + 5);
  std::vector<WriteOp> ops{op(Kind::kRename, "k")};
  ops[0].target = "k";
  run(ops);
  EXPECT_EQ(ops[0].outcome, Outcome::kApplied);
  EXPECT_EQ(*find("k"), "v");
  EXPECT_EQ(table_.expireAt("k"), kNow + 5);
}

TEST_F(EvaluatorTest, AppendAndSetRangeBuildTheValueAndKeepTheTtl) {
  put("s", "Hello", kNow + 50);
  std::vector<WriteOp> ops{op(Kind::kAppend, "s"), op(Kind::kSetRange, "s"),
                           op(Kind::kSetRange, "pad"), op(Kind::kSetRange, "none")};
  ops[0].value = " World";
  ops[1].offset = 6;
  ops[1].value = "Redis";
  ops[2].offset = 3;
  ops[2].value = "x";
  ops[3].offset = 10;  // an empty value creates nothing
  run(ops);
  EXPECT_EQ(ops[0].number, 11);
  EXPECT_EQ(ops[1].number, 11);
  EXPECT_EQ(*find("s"), "Hello Redis");
  EXPECT_EQ(table_.expireAt("s"), kNow + 50);
  EXPECT_EQ(*find("pad"), std::string("\0\0\0x", 4));
  EXPECT_EQ(ops[3].number, 0);
  EXPECT_EQ(find("none"), nullptr);
}

TEST_F(EvaluatorTest, AppendAndSetRangePastTheValueLimitFailAlone) {
  put("s", "abc");
  std::vector<WriteOp> ops{op(Kind::kAppend, "s"), op(Kind::kSetRange, "s"),
                           op(Kind::kAppend, "s")};
  ops[0].value = std::string(kMaxValueSize, 'x');
  ops[1].offset = kMaxValueSize;
  ops[1].value = "y";
  ops[2].value = "d";
  run(ops);
  EXPECT_EQ(ops[0].outcome, Outcome::kTooLarge);
  EXPECT_EQ(ops[1].outcome, Outcome::kTooLarge);
  EXPECT_EQ(ops[2].outcome, Outcome::kApplied);
  EXPECT_EQ(*find("s"), "abcd");
}

TEST_F(EvaluatorTest, IncrementFloatFormatsLikeRedisAndRefusesNonNumbers) {
  put("f", "10.50");
  put("e", "5.0e3");
  put("bad", "abc");
  put("space", " 1");
  std::vector<WriteOp> ops{op(Kind::kIncrementFloat, "f"),   op(Kind::kIncrementFloat, "e"),
                           op(Kind::kIncrementFloat, "bad"), op(Kind::kIncrementFloat, "space"),
                           op(Kind::kIncrementFloat, "new"), op(Kind::kIncrementFloat, "e")};
  ops[0].deltaFloat = 0.1L;
  ops[1].deltaFloat = 200;
  ops[2].deltaFloat = 1;
  ops[3].deltaFloat = 1;
  ops[4].deltaFloat = -3;
  ops[5].deltaFloat = HUGE_VALL;
  run(ops);
  EXPECT_EQ(ops[0].text, "10.6");
  EXPECT_EQ(*find("f"), "10.6");
  EXPECT_EQ(ops[1].text, "5200");
  EXPECT_EQ(ops[2].outcome, Outcome::kNotAFloat);
  EXPECT_EQ(ops[3].outcome, Outcome::kNotAFloat);
  EXPECT_EQ(ops[4].text, "-3");
  EXPECT_EQ(ops[5].outcome, Outcome::kOverflow);
  EXPECT_EQ(*find("e"), "5200");
}

TEST_F(EvaluatorTest, AFailedCheckAbortsTheWholeBatchAndAPassingOneLetsItRun) {
  put("watched", "v1", kNow + 10);
  std::vector<WriteOp> aborted{op(Kind::kPut, "x"), op(Kind::kCheck, "watched")};
  aborted[0].value = "1";
  aborted[1].condition = WriteOp::Condition::kEquals;
  aborted[1].expected = "v0";
  run(aborted);
  EXPECT_EQ(aborted[0].outcome, Outcome::kAborted);
  EXPECT_EQ(aborted[1].outcome, Outcome::kAborted);
  EXPECT_EQ(find("x"), nullptr);

  std::vector<WriteOp> ttlChanged{op(Kind::kCheck, "watched"), op(Kind::kPut, "x")};
  ttlChanged[0].condition = WriteOp::Condition::kEquals;
  ttlChanged[0].expected = "v1";
  ttlChanged[0].checkExpiry = true;
  ttlChanged[0].expireAt = kNow + 11;
  ttlChanged[1].value = "1";
  run(ttlChanged);
  EXPECT_EQ(ttlChanged[1].outcome, Outcome::kAborted) << "the TTL is part of what is watched";

  std::vector<WriteOp> ok{op(Kind::kCheck, "watched"), op(Kind::kCheck, "absent"),
                          op(Kind::kGet, "watched"), op(Kind::kPut, "watched")};
  ok[0].condition = WriteOp::Condition::kEquals;
  ok[0].expected = "v1";
  ok[0].checkExpiry = true;
  ok[0].expireAt = kNow + 10;
  ok[1].condition = WriteOp::Condition::kAbsent;
  ok[2].returnOld = true;
  ok[3].value = "v2";
  run(ok);
  EXPECT_EQ(ok[2].outcome, Outcome::kApplied);
  EXPECT_EQ(ok[2].current, "v1");
  EXPECT_EQ(ok[2].number, kNow + 10);
  EXPECT_EQ(ok[3].outcome, Outcome::kApplied);
  EXPECT_EQ(*find("watched"), "v2");
}

TEST_F(EvaluatorTest, AChecksSeesEarlierBatchesOfItsGroup) {
  put("w", "before");
  std::vector<WriteOp> first{op(Kind::kPut, "w")};
  first[0].value = "after";
  std::vector<WriteOp> second{op(Kind::kCheck, "w"), op(Kind::kPut, "y")};
  second[0].condition = WriteOp::Condition::kEquals;
  second[0].expected = "before";
  second[1].value = "1";
  run({&first, &second});
  EXPECT_EQ(second[1].outcome, Outcome::kAborted);
  EXPECT_EQ(*find("w"), "after");
  EXPECT_EQ(find("y"), nullptr);
}

TEST_F(EvaluatorTest, ClearDeletesEverythingBeforeItAndNothingAfter) {
  put("a", "1");
  put("b", "2", kNow + 9);
  std::vector<WriteOp> ops{op(Kind::kPut, "c"), op(Kind::kClear, ""), op(Kind::kPut, "d"),
                           op(Kind::kIncrement, "a")};
  ops[0].value = "3";
  ops[2].value = "4";
  ops[3].delta = 5;
  run(ops);
  EXPECT_EQ(ops[3].number, 5) << "a is gone after the clear";
  EXPECT_EQ(rows(table_), (std::vector<Row>{{"a", "5", 0}, {"d", "4", 0}}));
  EXPECT_FALSE(table_.hasExpiries());
}

TEST_F(EvaluatorTest, TheExpirySweepDeletesOnlyKeysStillExpired) {
  put("dead", "1", kNow - 1);
  put("revived", "1", kNow - 1);
  put("alive", "1", kNow + 1);
  std::vector<WriteOp> set{op(Kind::kPut, "revived")};
  set[0].value = "2";
  std::vector<WriteOp> sweep{op(Kind::kDelete, "dead"), op(Kind::kDelete, "revived"),
                             op(Kind::kDelete, "alive")};
  for (WriteOp& o : sweep) o.condition = WriteOp::Condition::kExpired;
  run({&set, &sweep});
  EXPECT_EQ(sweep[0].outcome, Outcome::kApplied);
  EXPECT_EQ(sweep[1].outcome, Outcome::kConditionFailed);
  EXPECT_EQ(sweep[2].outcome, Outcome::kConditionFailed);
  EXPECT_EQ(table_.find("dead"), nullptr);
  EXPECT_EQ(*find("revived"), "2");
  EXPECT_EQ(*find("alive"), "1");
}

TEST_F(EvaluatorTest, DeleteWithReturnOldAndGetOfAnAbsentKey) {
  put("k", "v");
  std::vector<WriteOp> ops{op(Kind::kDelete, "k"), op(Kind::kGet, "k"), op(Kind::kDelete, "k")};
  ops[0].returnOld = true;
  run(ops);
  EXPECT_TRUE(ops[0].existed);
  EXPECT_EQ(ops[0].current, "v");
  EXPECT_FALSE(ops[1].existed);
  EXPECT_FALSE(ops[2].existed);
  EXPECT_EQ(table_.size(), 0u);
}

}  // namespace
}  // namespace muduo::kv
