using System.CommandLine;
using EtlRouter.Cli.Output;
using EtlRouter.Cli.Targets;
using EtlRouter.Contracts;
using EtlRouter.Contracts.V1;
using EtlRouter.Contracts.Status;

namespace EtlRouter.Cli.Commands;

/// <summary>
/// etlctl cluster status: the router's nodes, roles, leader, term, indexes, state hashes and health; etlctl cluster
/// verify: every node's state hash at one checkpoint entry.
/// </summary>
internal static class ClusterCommand
{
    public static Command Create(GlobalOptions global)
    {
        var status = Examples.Command("status",
            "Show the router cluster: every node's role, term, commit and applied index, and health. Exit code 1 when no leader is known.",
            "etlctl cluster status --router 127.0.0.1:50051",
            "ETLCTL_ROUTER=etl-router:50051 etlctl cluster status");
        status.Run(global.Console, async (parse, cancellationToken) =>
        {
            using var router = global.RequireRouter(parse);
            var cluster = await router.CallAsync(async () => await router.ControlPlane.GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
            global.Console.Line($"Leader:        {(cluster.LeaderId.Length > 0 ? cluster.LeaderId : "<none>")}");
            global.Console.Line($"Term:          {cluster.Term}");
            global.Console.Line($"Commit index:  {cluster.CommitIndex}");
            global.Console.Line($"Log format:    {cluster.LogFormat}");
            global.Console.Line($"Answered by:   {cluster.AnsweredBy}");
            TableWriter.Write(global.Console, ["Node", "Role", "Raft Address", "gRPC Address", "Term", "Commit", "Applied", "State Hash", "Checkpoint", "Format", "Healthy"], cluster.Nodes.OrderBy(n => n.Id, StringComparer.Ordinal).Select(n => (IReadOnlyList<string>)
            [
                n.Id, n.Role switch { NodeRole.Leader => "leader", NodeRole.Follower => "follower", NodeRole.Candidate => "candidate", _ => "unknown" },
                n.Address, n.GrpcAddress, $"{n.Term}", $"{n.CommitIndex}", $"{n.AppliedIndex}", Short(n.StateHash),
                n.CheckpointIndex > 0 ? $"{n.CheckpointIndex}:{Short(n.CheckpointHash)}" : "-", n.MaxLogFormat > 0 ? $"{n.MaxLogFormat}" : "-", n.Healthy ? "yes" : "no",
            ]));
            foreach (var halted in cluster.Nodes.Where(n => n.HaltedReason.Length > 0))
            {
                global.Console.Line(halted.HaltedReason.StartsWith("lost its data", StringComparison.Ordinal)
                    ? $"Node {halted.Id} {halted.HaltedReason}"
                    : $"Node {halted.Id} stopped applying the log at entry {halted.HaltedAtIndex}: {halted.HaltedReason}");
            }

            var lost = cluster.Nodes.Where(n => n.HaltedReason.StartsWith("lost its data", StringComparison.Ordinal)).Select(n => n.Id).ToList();
            if (lost.Count > 0 && cluster.LeaderId.Length == 0)
            {
                global.Console.Line($"No leader, and node(s) {string.Join(", ", lost)} lost their data: fewer than a quorum of sound nodes, so nothing is re-added automatically. " +
                    "Recover by bringing the damaged nodes' disks back if they can be, or by starting a fresh router cluster and restoring the newest backup into it (etlctl backup restore ID --source D; README, router operations).");
            }
            foreach (var recovered in cluster.Nodes.Where(n => n.LastRecovery.Length > 0))
                global.Console.Line($"Node {recovered.Id} recovered: {recovered.LastRecovery}");
            var diverged = ClusterDivergence.Find(cluster.Nodes);
            foreach (var line in diverged) global.Console.Line($"DIVERGED: {line}");
            return cluster.LeaderId.Length > 0 && diverged.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });

        var verify = Examples.Command("verify",
            "Commit a checkpoint and compare every node's state hash at exactly that entry (holds while writes go on). Exit code 1 when any node differs or does not answer; refused until every router applies log format 2.",
            "etlctl cluster verify --router 127.0.0.1:50051");
        verify.Run(global.Console, async (parse, cancellationToken) =>
        {
            using var router = global.RequireRouter(parse);
            var result = await router.CallAsync(async () => await router.ControlPlane.VerifyClusterStateAsync(new VerifyClusterStateRequest(), deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
            global.Console.Line($"Checkpoint entry: {result.Index}");
            TableWriter.Write(global.Console, ["Node", "State Hash", "Problem"], result.Nodes.Select(n => (IReadOnlyList<string>)
                [n.NodeId, n.Hash.Length > 0 ? n.Hash : "-", n.Error.Length > 0 ? n.Error : "-"]));
            global.Console.Line(result.Consistent ? "Consistent: every node holds the same state at the checkpoint." : "NOT CONSISTENT: see the hashes and problems above.");
            return result.Consistent ? ExitCodes.Success : ExitCodes.Failure;
        });
        var command = new Command("cluster", "The router cluster.");
        command.Subcommands.Add(status);
        command.Subcommands.Add(verify);
        return command;
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash.Length > 0 ? hash : "-";
}
