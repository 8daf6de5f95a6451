// RUN: coco-translate --coco-to-cpp-main --coco-entry=ar_c,rs_c_ag %s | FileCheck %s
// RUN: not coco-translate --coco-to-cpp-main --coco-entry=nope %s 2>&1 | FileCheck %s --check-prefix=MISSING
// Names as a user writes them: with '@', with spaces after the commas.
// RUN: coco-translate --coco-to-cpp-main "--coco-entry=@ar_c, rs_c_ag" %s | FileCheck %s
// A list that names nothing ran the only public function, or said that
// several could be the entry.
// RUN: not coco-translate --coco-to-cpp-main "--coco-entry=@, " %s 2>&1 | FileCheck %s --check-prefix=NOTHING
// NOTHING: error: the entry list '@, ' names no function
// A private function, or one only declared, is named as such.
// RUN: not coco-translate --coco-to-cpp-main --coco-entry=helper %s 2>&1 | FileCheck %s --check-prefix=PRIVATE
// RUN: not coco-translate --coco-to-cpp-main --coco-entry=external %s 2>&1 | FileCheck %s --check-prefix=DECLARED

// Several entries (e.g. the variants of a benchmark) in one program: each
// gets its own arguments, all run interleaved, outputs are prefixed by the
// entry's name.

coco.grid @dp(shape = [?])

// CHECK: extern "C" void _mlir_ciface_ar_c(MemRef<float, 1> *);
// CHECK: extern "C" void _mlir_ciface_rs_c_ag(MemRef<float, 1> *);
// CHECK: LocalTensor &e0_a0 = session.input(TensorInfo{"x", {{.*}}, {-1}, {}, {-1},
// CHECK: session.addEntry("ar_c",
// CHECK: session.output(e0_a0, "ar_c.");
// CHECK: LocalTensor &e1_a0 = session.input(TensorInfo{"x", {{.*}}, {0}, {0}, {-1},
// CHECK: session.addEntry("rs_c_ag",
// CHECK: session.output(e1_a0, "rs_c_ag.");
// CHECK: session.runAll();
// CHECK-NOT: other
// MISSING: error: no public function @nope
// MISSING-NOT: see current operation
// PRIVATE: error: no public function @helper: @helper is private (an entry must be public)
// DECLARED: error: no public function @external: @external is only declared here
func.func @ar_c(%x: !coco.dtensor<8xf32, replicated on @dp> {coco.name = "x"}) {
  coco.update %x, %x : !coco.dtensor<8xf32, replicated on @dp>
  return
}
func.func @rs_c_ag(%x: !coco.dtensor<8xf32, sliced<0> on @dp> {coco.name = "x"}) {
  coco.update %x, %x : !coco.dtensor<8xf32, sliced<0> on @dp>
  return
}
func.func @other() {
  return
}
func.func private @helper() {
  return
}
func.func private @external()
