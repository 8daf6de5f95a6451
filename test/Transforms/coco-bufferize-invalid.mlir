// RUN: coco-opt %s --allow-unregistered-dialect --coco-bufferize -verify-diagnostics
// RUN: not coco-opt %s --allow-unregistered-dialect --coco-bufferize -o /dev/null

// What one-shot bufferization cannot bufferize is its error, and the pass
// fails.
func.func @unknown(%g: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{op was not bufferized}}
  %r = "test.opaque"(%g) : (tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}
