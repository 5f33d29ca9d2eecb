using System.CommandLine;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;

namespace EtlRouter.Cli.Commands;

/// <summary>
/// etlctl certs: a local install CA and the identities it issues, as files in the TLS_DIR layout. `make run`
/// makes its certificates this way; in a cluster the operator keeps the CA and these are for admins' own
/// certificates (issued with the CA key from the operator's Secret) or for bringing your own CA.
/// </summary>
internal static class CertsCommand
{
    public static Command Create(GlobalOptions global)
    {
        var caDirectory = new Option<string>("--ca") { Description = "Directory of the CA (ca.crt, ca.key); made there when empty", Required = true };
        var identity = new Option<string>("--identity") { Description = "Who the certificate is for: router/<node>, operator/<name>, admin/<name>, viewer/<name> or ns/<namespace>/sidecar/<id>", Required = true };
        var hosts = new Option<string[]>("--host") { Description = "DNS names or IP addresses to add (for clients that check host names)", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Directory to write ca.crt, tls.crt and tls.key to (TLS_DIR)", Required = true };
        var days = new Option<int>("--days") { Description = "Validity in days", DefaultValueFactory = _ => 30 };
        var issue = Examples.Command("issue",
            "Issue a certificate for one identity from the CA (made first when --ca is empty) and write it as TLS_DIR files.",
            "etlctl certs issue --ca ./ca --identity router/1 --host 127.0.0.1 --out ./tls/router-1",
            "etlctl certs issue --ca ./ca --identity admin/alice --out ~/.config/etlctl/tls");
        issue.Options.Add(caDirectory);
        issue.Options.Add(identity);
        issue.Options.Add(hosts);
        issue.Options.Add(output);
        issue.Options.Add(days);
        issue.Run(global.Console, (parse, _) =>
        {
            var who = parse.GetValue(identity)!;
            var peer = PeerIdentity.FromUri(who.StartsWith("spiffe://", StringComparison.Ordinal) ? who : $"spiffe://{PeerIdentity.TrustDomain}/{who.Trim('/')}")
                ?? throw new CliException($"--identity: '{who}' is not an identity; write router/<node>, operator/<name>, admin/<name>, viewer/<name> or ns/<namespace>/sidecar/<id>", ExitCodes.Usage);
            var validity = TimeSpan.FromDays(parse.GetValue(days) is > 0 and <= 3650 ? parse.GetValue(days) : throw new CliException("--days: give a number of days from 1 to 3650", ExitCodes.Usage));
            var authority = AuthorityFiles.OpenOrCreate(parse.GetValue(caDirectory)!, TimeSpan.FromDays(3650));
            var issued = AuthorityFiles.Issue(authority, peer, parse.GetValue(hosts) ?? [], validity, parse.GetValue(output)!);
            global.Console.Line($"{peer} -> {parse.GetValue(output)} (valid until {issued.NotAfter.ToUniversalTime():u})");
            return Task.FromResult(ExitCodes.Success);
        });
        var command = new Command("certs", "Certificates for mutual TLS: a local install CA and the identities it issues.");
        command.Subcommands.Add(issue);
        return command;
    }
}
