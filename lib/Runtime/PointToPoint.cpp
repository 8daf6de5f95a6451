//===- PointToPoint.cpp - Send and receive --------------------------------===//
//
// coco_rt_send copies its message and returns at once (buffered send
// semantics), so that generated code can send before it receives — a ring
// shift where every rank sends then receives, or a rank sending to itself —
// without deadlocking once messages exceed MPI's eager limit. The copies are
// freed as their sends complete; coco_rt_finalize waits for the rest.
//
// No cross-rank collective check here (only the peer is involved); instead
// the receiver checks the dtype (carried in the tag) and the element count of
// the message it is about to receive.
//
//===----------------------------------------------------------------------===//

#include "Call.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace coco::rt {
namespace {

struct PendingSend {
  MPI_Request request;
  std::unique_ptr<char[]> buffer;
  const char *site;
};
std::vector<PendingSend> pendingSends;

/// Messages sent to and received from each world rank: a small message
/// sent and never received completes at once (MPI buffers it), so only the
/// counts show it, at finalize.
std::vector<int64_t> sentTo, receivedFrom;

void countMessage(std::vector<int64_t> &counts, int worldRank) {
  if (counts.empty())
    counts.assign(size_t(worldAxis().size), 0);
  ++counts[size_t(worldRank)];
}

void freeCompletedSends() {
  auto completed = [](PendingSend &send) {
    int done = 0;
    checkMpi(MPI_Test(&send.request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    return done != 0;
  };
  pendingSends.erase(
      std::remove_if(pendingSends.begin(), pendingSends.end(), completed),
      pendingSends.end());
}

} // namespace

void completePendingSends() {
  if (pendingSends.empty())
    return;
  // One entry of COCO_PROFILE for the wait (each send was counted when it
  // was made); the inner scopes still name each send for the watchdog.
  CallScope all("sends completed at finalize", Waits::ForPeersToArrive);
  for (PendingSend &send : pendingSends) {
    // Under the watchdog, named after the send a peer never received; the
    // peer may still be working (or stuck at an op, which it reports).
    CallScope scope(send.site, Waits::ForPeersToArrive);
    checkMpi(MPI_Wait(&send.request, MPI_STATUS_IGNORE), "MPI_Wait");
  }
  pendingSends.clear();
}

void checkEveryMessageReceived() {
  const AxisComm &world = worldAxis();
  std::vector<int64_t> sent(size_t(world.size), 0), expected(sent.size());
  std::copy(sentTo.begin(), sentTo.end(), sent.begin());
  CallScope scope("coco_rt_finalize", Waits::ForPeersToArrive);
  checkMpi(MPI_Alltoall(sent.data(), 1, MPI_INT64_T, expected.data(), 1,
                        MPI_INT64_T, world.comm),
           "MPI_Alltoall (messages sent to each rank)");
  for (int r = 0; r < world.size; ++r) {
    int64_t received = receivedFrom.empty() ? 0 : receivedFrom[size_t(r)];
    if (expected[size_t(r)] > received)
      fatalf("coco_rt_finalize",
             "world rank %d sent this rank %lld message(s), of which this "
             "rank received %lld: a coco.send without its coco.recv (the "
             "message is lost)",
             r, (long long)expected[size_t(r)], (long long)received);
  }
}

} // namespace coco::rt

using namespace coco::rt;

extern "C" {

void coco_rt_send(const char *site, int64_t comm, int32_t dtype, int64_t peer,
                  int64_t inRank, void *in) {
  Call call(site, OpKind::Send, comm, dtype);
  Tensor input = call.tensor(inRank, in, "input");
  call.requireInRange("peer", peer, call.axis.size);
  int count = call.count(input.elems);
  freeCompletedSends();

  PendingSend send{
      MPI_REQUEST_NULL,
      std::unique_ptr<char[]>(new char[input.bytes ? input.bytes : 1]),
      call.site};
  std::memcpy(send.buffer.get(), input.data, input.bytes);
  checkMpi(MPI_Isend(send.buffer.get(), count, call.type.mpiType, int(peer),
                     kSendTagBase + dtype, call.axis.comm, &send.request),
           "MPI_Isend");
  pendingSends.push_back(std::move(send));
  countMessage(sentTo, call.axis.worldRanks[size_t(peer)]);
}

void coco_rt_recv(const char *site, int64_t comm, int32_t dtype, int64_t peer,
                  int64_t outRank, void *out) {
  Call call(site, OpKind::Recv, comm, dtype);
  Tensor output = call.tensor(outRank, out, "output");
  call.requireInRange("peer", peer, call.axis.size);
  freeCompletedSends();

  // Matched probe: look at the message before receiving exactly it.
  MPI_Message message;
  MPI_Status status;
  checkMpi(
      MPI_Mprobe(int(peer), MPI_ANY_TAG, call.axis.comm, &message, &status),
      "MPI_Mprobe");
  int peerWorldRank = call.axis.worldRanks[size_t(peer)];
  int sentDType = status.MPI_TAG - kSendTagBase;
  if (sentDType < 0 || sentDType >= COCO_NUM_DTYPES)
    fatalf(call.site,
           "the message from rank %d is not from a send (the peer is in "
           "another operation)",
           peerWorldRank);
  if (sentDType != dtype)
    fatalf(call.site,
           "dtype mismatch with the sender: expected %s from rank %d, it sent "
           "%s",
           call.type.name, peerWorldRank, dtypeName(sentDType));
  int received = 0;
  checkMpi(MPI_Get_count(&status, call.type.mpiType, &received),
           "MPI_Get_count");
  if (received != output.elems)
    fatalf(call.site,
           "message size mismatch: expected %lld elements from rank %d, it "
           "sent %d",
           (long long)output.elems, peerWorldRank, received);
  checkMpi(MPI_Mrecv(output.data, call.count(output.elems), call.type.mpiType,
                     &message, MPI_STATUS_IGNORE),
           "MPI_Mrecv");
  countMessage(receivedFrom, peerWorldRank);
}

} // extern "C"
