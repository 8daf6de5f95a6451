//===- WhereRanksRunTest.cpp - who calls each function (ModuleCalls) ------===//
//
// ModuleCalls answers, from one walk, who calls each function, for the many
// questions of whereRanksAlongMayPart in one fixed point. A module holding
// another symbol table (a transform script's named sequences, a library
// module) must not turn every question back into a walk of the module.
//
//===----------------------------------------------------------------------===//

#include "coco/Dialect/Coco/Transforms/Schedules.h"
#include "coco/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

constexpr const char *kModule = R"mlir(
func.func @main() {
  func.call @g() {see = @lib::@other} : () -> ()
  func.call @g() : () -> ()
  %p = func.constant @pointed : () -> ()
  return
}
func.func private @g() {
  return
}
func.func private @pointed() {
  return
}
func.func private @f() {
  return
}
module @lib {
  func.func private @f() {
    return
  }
  func.func @caller() {
    func.call @f() : () -> ()
    return
  }
  func.func @other() {
    return
  }
}
)mlir";

class ModuleCallsTest : public ::testing::Test {
protected:
  ModuleCallsTest() {
    DialectRegistry registry;
    coco::registerCocoAndUpstreamDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    module = parseSourceString<ModuleOp>(kModule, &context);
  }

  func::FuncOp function(Operation *table, StringRef name) {
    return dyn_cast_or_null<func::FuncOp>(
        SymbolTable::lookupSymbolIn(table, name));
  }

  /// The names of the functions making the calls of `callee`, or "none"
  /// when ModuleCalls cannot list them.
  std::string callers(const coco::ModuleCalls &calls, func::FuncOp callee) {
    Operation *notACall = nullptr;
    std::optional<SmallVector<CallOpInterface>> found =
        calls.of(callee, notACall);
    if (!found)
      return std::string("none, referred to by ") +
             (notACall ? notACall->getName().getStringRef().str() : "?");
    std::string names;
    for (CallOpInterface call : *found)
      names += (names.empty() ? "" : " ") +
               call->getParentOfType<func::FuncOp>().getSymName().str();
    return names;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(ModuleCallsTest, NestedSymbolTablesStayOneWalk) {
  ASSERT_TRUE(module);
  coco::ModuleCalls calls(*module);
  EXPECT_TRUE(calls.fromOneWalk());
  Operation *lib = SymbolTable::lookupSymbolIn(*module, "lib");
  ASSERT_TRUE(lib);
  // @f by name inside @lib is @lib's own; the outer @f is another
  // function, which nothing calls.
  EXPECT_EQ(callers(calls, function(lib, "f")), "caller");
  EXPECT_EQ(callers(calls, function(*module, "f")), "");
  // A call's attribute that names a function is no call of it.
  EXPECT_EQ(callers(calls, function(*module, "g")), "main main");
  EXPECT_EQ(callers(calls, function(lib, "other")),
            "none, referred to by func.call");
  EXPECT_EQ(callers(calls, function(lib, "caller")), "");
  EXPECT_EQ(callers(calls, function(*module, "pointed")),
            "none, referred to by func.constant");
}

TEST_F(ModuleCallsTest, TwoSymbolsOfOneName) {
  ASSERT_TRUE(module);
  // A copy of @g beside it, as transform.coco.reorder once made: the calls
  // of the name are the original's, and the copy's question must get them
  // too (from a walk by name), not "no calls".
  func::FuncOp g = function(*module, "g");
  ASSERT_TRUE(g);
  Operation *copy = g->clone();
  g->getBlock()->getOperations().insertAfter(g->getIterator(), copy);
  coco::ModuleCalls calls(*module);
  EXPECT_FALSE(calls.fromOneWalk());
  EXPECT_EQ(callers(calls, cast<func::FuncOp>(copy)), "main main");
  EXPECT_EQ(callers(calls, g), "main main");
  copy->erase();
}

} // namespace
