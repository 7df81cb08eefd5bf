using Streaming.Ingest;
using Streaming.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIngest();

var app = builder.Build();
app.MapServiceDefaults();
app.MapIngestEndpoints();
app.Run();
