export default function Home() {
  return (
    <main>
      <h1>{{ name }}</h1>
      <p>A web application of {{ project }}, deployed by gmac.</p>
    </main>
  );
}
