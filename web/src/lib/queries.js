// The GraphQL documents the dashboard sends: nothing else talks to the router.

export const OVERVIEW = `query Overview {
  clusterStatus { leader term commitIndex appliedIndex answeredBy logFormat divergence nodes { id address role healthy term commitIndex appliedIndex stateHash checkpointIndex checkpointHash maxLogFormat halted lastRecovery } }
  pipelines { id source sink recordsIn recordsOut deadLetters drainingSince stages { id assignments { pod } } edges { throttled } }
  sidecars { id pod address services stages }
}`;

export const PIPELINE = `query Pipeline($id: String!) {
  pipeline(id: $id) {
    id generation recordsIn recordsOut deadLetters drainingSince latencyP99Ms
    stages { id kind service endpoint inputs replicas unassignedReason recordsIn recordsOut recordsFailed latencyP50Ms latencyP99Ms assignments { sidecarId pod address } }
    edges { from to condition budgetRecords creditsRecords backlog throttled pressure batchSize reportedAt }
  }
}`;

export const DEAD_LETTERS = `query DeadLetters($filter: DeadLetterFilter, $first: Int!, $after: String) {
  deadLetters(filter: $filter, first: $first, after: $after) {
    total next
    items { id pipeline stage recordId error attempts state replays lastFailedAt }
  }
  pipelines { id stages { id } }
}`;

export const DEAD_LETTER = `query DeadLetter($id: String!) {
  deadLetter(id: $id) { id pipeline stage recordId key value headers { name value } error attempts state replays firstFailedAt lastFailedAt storedAt }
}`;

export const REPLAY = `mutation Replay($filter: DeadLetterFilter!) { replayDeadLetters(filter: $filter) { count } }`;

export const PURGE = `mutation Purge($filter: DeadLetterFilter!) { purgeDeadLetters(filter: $filter) { count } }`;
