using DumGum;
using DumGum.Admin;
using DumGum.Dashboard;

// `dumgum projects …` / `dumgum keys …`: operator commands against the same database, then exit.
if (Cli.Handles(args)) return await Cli.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddDumGum();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapContentCreation();
app.MapAdmin();
app.MapOperations();
app.MapSampleCustomerInDevelopment();
app.MapDashboard();
app.PrintFirstStartBanner();

await app.RunAsync();
return 0;
