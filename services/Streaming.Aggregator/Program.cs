using Streaming.Aggregator;
using Streaming.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAggregator();

var app = builder.Build();
app.MapServiceDefaults();
app.MapAggregatorEndpoints();
app.Run();
