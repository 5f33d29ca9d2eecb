using System.CommandLine;
using EtlRouter.Cli.Output;
using EtlRouter.Cli.Targets;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Cli.Commands;

/// <summary>etlctl cluster status: the router's nodes, roles, leader, term, commit index and health.</summary>
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
            global.Console.Line($"Answered by:   {cluster.AnsweredBy}");
            TableWriter.Write(global.Console, ["Node", "Role", "Raft Address", "gRPC Address", "Term", "Commit", "Applied", "Healthy"], cluster.Nodes.OrderBy(n => n.Id, StringComparer.Ordinal).Select(n => (IReadOnlyList<string>)
            [
                n.Id, n.Role switch { NodeRole.Leader => "leader", NodeRole.Follower => "follower", NodeRole.Candidate => "candidate", _ => "unknown" },
                n.Address, n.GrpcAddress, $"{n.Term}", $"{n.CommitIndex}", $"{n.AppliedIndex}", n.Healthy ? "yes" : "no",
            ]));
            return cluster.LeaderId.Length > 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        var command = new Command("cluster", "The router cluster.");
        command.Subcommands.Add(status);
        return command;
    }
}
