// RUN: coco-translate --coco-to-signature-json --coco-signature-entry=probe %s | FileCheck %s
// RUN: not coco-translate --coco-to-signature-json --coco-signature-entry=missing %s 2>&1 | FileCheck %s --check-prefix=MISSING

// --coco-signature-entry picks the entries to describe.

coco.grid @g(shape = [?])

func.func @step(%x: !coco.dtensor<4xf32, local on @g>) {
  return
}

func.func @probe() {
  return
}

// CHECK:      "entries": [
// CHECK-NEXT:   {
// CHECK-NEXT:     "name": "probe",
// CHECK-NEXT:     "args": [],
// CHECK-NEXT:     "results": []
// CHECK-NEXT:   }
// CHECK-NEXT: ]
// CHECK-NOT:  step

// MISSING: error: no public function @missing
