using Spectre.Console;

namespace EtlRouter.Cli.Output;

/// <summary>kubectl-style tables: upper-case headers, no borders, columns fitted to the console's width.</summary>
internal static class TableWriter
{
    public static void Write(CliConsole console, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().NoBorder();
        table.ShowHeaders = true;
        foreach (var header in headers)
            table.AddColumn(new TableColumn(new Text(header.ToUpperInvariant(), new Style(decoration: Decoration.Bold))) { Padding = new Padding(0, 0, 3, 0), NoWrap = false });
        foreach (var row in rows)
            table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell)).ToArray());
        if (console.Console.Profile.Capabilities.Ansi)
        {
            console.Console.Write(table);
            return;
        }

        // Plain output (a pipe, a file): the same table without the padding after the last column.
        var text = new StringWriter();
        var plain = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        plain.Profile.Width = console.Console.Profile.Width;
        plain.Write(table);
        foreach (var line in text.ToString().TrimEnd('\n').Split('\n')) console.Out.WriteLine(line.TrimEnd());
    }
}
