// RUN: coco-opt %s --coco-localize --split-input-file -verify-diagnostics

// A signature naming a grid the module does not declare cannot be localized
// (no op verifier sees an unused argument).
coco.grid @dp(shape = [?])
// expected-error @+1 {{uses '!coco.dtensor<4xf32, local on @tp>', whose grid (with that many axes) is not declared by a coco.grid op}}
func.func @f(%x: !coco.dtensor<4xf32, local on @tp>) {
  return
}

// -----

// Declarations are checked too (their types appear in no block).
coco.grid @dp(shape = [?])
// expected-error @+1 {{uses '!coco.dtensor<4xf32, local on @dp[3]>', whose grid (with that many axes) is not declared by a coco.grid op}}
func.func private @g(!coco.dtensor<4xf32, local on @dp[3]>)
