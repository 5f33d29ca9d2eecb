using EtlRouter.Entities.Resources;
using FluentValidation;

namespace EtlRouter.Entities.Validation;

/// <summary>Rules for a router cluster: a replica count that can keep a quorum, distinct ports.</summary>
internal sealed class EtlRouterClusterValidator : AbstractValidator<EtlRouterCluster>
{
    public EtlRouterClusterValidator()
    {
        this.AddMetadataRules();

        RuleFor(c => c.Spec).Custom((spec, context) =>
        {
            if (spec is null)
                return;

            if (spec.Replicas == 2)
                context.AddFailure("spec.replicas", "is 2; two Raft nodes cannot lose either one without losing quorum, use 1 (development) or 3 or more");
            else if (spec.Replicas is < 1 or > RouterClusterSpec.MaxReplicas)
                context.AddFailure("spec.replicas", $"is {spec.Replicas}; use 1 or 3 to {RouterClusterSpec.MaxReplicas}");

            if (spec.Image is { Length: 0 })
                context.AddFailure("spec.image", "is empty; name the etl-router image or remove the field for the default");

            var ports = new[] { ("grpcPort", spec.GrpcPort ?? RouterClusterSpec.DefaultGrpcPort), ("httpPort", spec.HttpPort ?? RouterClusterSpec.DefaultHttpPort), ("raftPort", spec.RaftPort ?? RouterClusterSpec.DefaultRaftPort) };
            foreach (var (field, port) in ports)
            {
                if (port is < 1 or > 65535)
                    context.AddFailure($"spec.{field}", $"is {port}; use a port from 1 to 65535");
            }

            foreach (var clash in ports.GroupBy(p => p.Item2).Where(g => g.Count() > 1))
                context.AddFailure($"spec.{clash.Last().Item1}", $"uses port {clash.Key}, as does spec.{clash.First().Item1}; give every port its own number");
        });
    }
}
