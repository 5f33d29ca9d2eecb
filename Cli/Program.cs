using EtlRouter.Cli;

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupt.Cancel();
};
return await EtlCtl.RunAsync(args, CliConsole.System(), interrupt.Token);
