// RUN: coco-translate --coco-to-signature-json %s --split-input-file -verify-diagnostics | FileCheck %s

// The manifest the Python front end reads (instead of parsing signatures):
// every public entry, its arguments in order (tensors with shape, element,
// grid, one placement per grid axis, init, whether an update writes them;
// scalars with their default, integers exact, infinities as strings) and
// its results.

coco.grid @g(shape = [2, ?])

func.func @step(%w: !coco.dtensor<8x4xf32, [replicated, sliced<1>] on @g> {coco.name = "w", coco.init = "Positive"},
                %acc: !coco.dtensor<6xi32, local on @g>,
                %deep: !coco.dtensor<12xf64, [sliced<0> within 1, sliced<0>] on @g> {coco.name = "deep"},
                %clip: f32 {coco.name = "clip", coco.value = 0x7F800000 : f32},
                %seed: i64 {coco.name = "seed", coco.value = 9223372036854775807 : i64},
                %lr: f32 {coco.name = "lr"})
    -> (!coco.dtensor<f32, local on @g[1]> {coco.name = "total"}) {
  %s = coco.mul %w, %clip : !coco.dtensor<8x4xf32, [replicated, sliced<1>] on @g>, f32
  coco.update %w, %s : !coco.dtensor<8x4xf32, [replicated, sliced<1>] on @g>
  %t = coco.reduce sum %s dims [0, 1] : !coco.dtensor<8x4xf32, [replicated, sliced<1>] on @g>
  return %t : !coco.dtensor<f32, local on @g[1]>
}

func.func @probe() {
  return
}

func.func private @helper()

// CHECK:      {
// CHECK-NEXT:   "version": 1,
// CHECK-NEXT:   "entries": [
// CHECK-NEXT:     {
// CHECK-NEXT:       "name": "step",
// CHECK-NEXT:       "args": [
// CHECK-NEXT:         {
// CHECK-NEXT:           "name": "w",
// CHECK-NEXT:           "kind": "tensor",
// CHECK-NEXT:           "updated": true,
// CHECK-NEXT:           "type": "!coco.dtensor<8x4xf32, sliced<1> on @g[1]>",
// CHECK-NEXT:           "element": "f32",
// CHECK-NEXT:           "shape": [
// CHECK-NEXT:             8,
// CHECK-NEXT:             4
// CHECK-NEXT:           ],
// CHECK-NEXT:           "grid": "g",
// CHECK-NEXT:           "grid_shape": [
// CHECK-NEXT:             2,
// CHECK-NEXT:             -1
// CHECK-NEXT:           ],
// CHECK-NEXT:           "placements": [
// CHECK-NEXT:             {
// CHECK-NEXT:               "kind": "replicated"
// CHECK-NEXT:             },
// CHECK-NEXT:             {
// CHECK-NEXT:               "kind": "sliced",
// CHECK-NEXT:               "dim": 1
// CHECK-NEXT:             }
// CHECK-NEXT:           ],
// CHECK-NEXT:           "init": "Positive"
// CHECK-NEXT:         },
// An unnamed argument is argN, like the host programs name it.
// CHECK-NEXT:         {
// CHECK-NEXT:           "name": "arg1",
// CHECK-NEXT:           "kind": "tensor",
// CHECK-NEXT:           "updated": false,
// CHECK-NEXT:           "type": "!coco.dtensor<6xi32, local on @g>",
// CHECK-NEXT:           "element": "i32",
// CHECK:                "placements": [
// CHECK-NEXT:             {
// CHECK-NEXT:               "kind": "local"
// CHECK-NEXT:             },
// CHECK-NEXT:             {
// CHECK-NEXT:               "kind": "replicated"
// CHECK-NEXT:             }
// CHECK-NEXT:           ],
// CHECK-NEXT:           "init": "Uniform"
// Axis 1 slices dimension 0 outermost: axis 0 splits its blocks.
// CHECK:                "name": "deep",
// CHECK:                "element": "f64",
// CHECK:                "placements": [
// CHECK-NEXT:             {
// CHECK-NEXT:               "kind": "sliced",
// CHECK-NEXT:               "dim": 0,
// CHECK-NEXT:               "within": 1
// CHECK-NEXT:             },
// CHECK-NEXT:             {
// CHECK-NEXT:               "kind": "sliced",
// CHECK-NEXT:               "dim": 0
// CHECK-NEXT:             }
// CHECK-NEXT:           ],
// CHECK:                "name": "clip",
// CHECK-NEXT:           "kind": "scalar",
// CHECK-NEXT:           "updated": false,
// CHECK-NEXT:           "element": "f32",
// CHECK-NEXT:           "default": "inf"
// CHECK:                "name": "seed",
// CHECK-NEXT:           "kind": "scalar",
// CHECK-NEXT:           "updated": false,
// CHECK-NEXT:           "element": "i64",
// CHECK-NEXT:           "default": 9223372036854775807
// CHECK:                "name": "lr",
// CHECK-NEXT:           "kind": "scalar",
// CHECK-NEXT:           "updated": false,
// CHECK-NEXT:           "element": "f32",
// CHECK-NEXT:           "default": null
// CHECK:            "results": [
// CHECK-NEXT:         {
// CHECK-NEXT:           "name": "total",
// CHECK-NEXT:           "kind": "tensor",
// CHECK-NEXT:           "type": "!coco.dtensor<f32, local on @g[1]>",
// CHECK-NEXT:           "element": "f32",
// CHECK-NEXT:           "shape": [],
// CHECK:                "init": "Zeros"
// CHECK-NEXT:         }
// CHECK-NEXT:       ]
// CHECK-NEXT:     },
// CHECK-NEXT:     {
// CHECK-NEXT:       "name": "probe",
// CHECK-NEXT:       "args": [],
// CHECK-NEXT:       "results": []
// CHECK-NEXT:     }
// CHECK-NEXT:   ]
// CHECK-NEXT: }
// CHECK-NOT: helper


// -----

// A rank-local builtin tensor (an upstream shard program) is local on the
// whole world.
// CHECK-LABEL: "name": "plain"
// CHECK:       "type": "!coco.dtensor<4xf32, local on @__rank_local__>",
// CHECK:       "grid_shape": [
// CHECK-NEXT:    -1
// CHECK-NEXT:  ],
func.func @plain(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{entry @bad-name cannot be called from C: its name must be a C identifier}}
func.func @"bad-name"() {
  return
}

// -----

// expected-error @+1 {{argument 0 of type 'memref<4xf32>' cannot be passed from a host program}}
func.func @buffers(%m: memref<4xf32>) {
  return
}

// -----

// expected-error @+1 {{the name of an argument or result is not valid UTF-8: the manifest cannot spell it}}
func.func @latin1(%x: f32 {coco.name = "caf\E9"}) {
  return
}
