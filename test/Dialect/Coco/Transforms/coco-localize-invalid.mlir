// RUN: coco-opt %s --coco-localize --split-input-file -verify-diagnostics

// A signature naming a grid the module does not declare cannot be localized.
// No coco op sees an unused argument: the grids check the signatures beside
// them (GridOp's verifier), so the verifier reports it before coco-localize.
coco.grid @dp(shape = [?])
// expected-error @+1 {{'func.func' op argument 0 has type '!coco.dtensor<4xf32, local on @tp>', whose grid @tp does not exist}}
func.func @f(%x: !coco.dtensor<4xf32, local on @tp>) {
  return
}

// -----

// Declarations are checked too (their types appear in no block).
coco.grid @dp(shape = [?])
// expected-error @+1 {{'func.func' op argument 0 has type '!coco.dtensor<4xf32, local on @dp[3]>', which places the tensor on 4 axes, but grid @dp has 1}}
func.func private @g(!coco.dtensor<4xf32, local on @dp[3]>)
